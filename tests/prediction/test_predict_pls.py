"""PLSpredict against an independent computation: refits with cm.PLS().fit on every training
fold and predictions worked by hand in this file (tolerance 1e-10 for every prediction and
metric; both fits converge to tol=1e-12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

TOL = 1e-10
CORP = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
# a mode B (composite) exogenous block and a mode B endogenous block
MIXED = """
Image <~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value <~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Expectation ~ Image
Value ~ Expectation
Satisfaction ~ Image + Expectation + Value
"""


def _corp():
    d = cm.datasets.load_corp_rep()
    keep = (d[["cusa", "cusl_1", "cusl_2", "cusl_3"]] != -99).all(axis=1)
    return cm.Model(CORP), d[keep].reset_index(drop=True)


def _mixed():
    return cm.Model(MIXED), cm.datasets.load_ecsi_mobi()


def _by_hand(model, data, labels, technique, lm_predictors, standardize=True):
    """Refit on every training fold with cm.PLS().fit and predict the holdout by hand."""
    endo = [c for c in model.constructs if c in model.endogenous]
    exo = [c for c in model.constructs if c not in model.endogenous]
    items = [i for c in endo for i in model.blocks[c]]
    n = len(data)
    pls = pd.DataFrame(np.nan, index=range(n), columns=items)
    lm = pls.copy()
    bench = pls.copy()
    cpred = pd.DataFrame(np.nan, index=range(n), columns=endo)
    for f in np.unique(labels):
        tr, ho = data[labels != f], data[labels == f]
        r = cm.PLS(tol=1e-12, max_iter=1000, standardize=standardize).fit(model, tr)
        X = tr[list(model.items)].to_numpy(float)
        mean, sd = X.mean(axis=0), X.std(axis=0, ddof=1)
        mean = pd.Series(mean, index=model.items)
        sd = pd.Series(sd, index=model.items)
        Z = ho[list(model.items)] - mean
        if standardize:  # otherwise the weights apply to centred items
            Z = Z / sd
        Y = pd.DataFrame(index=ho.index, columns=model.constructs, dtype=float)
        for c in model.constructs:
            w = r.outer_weights.loc[c]
            Y[c] = Z[list(w.index)] @ w
        P = r.path_coefficients.fillna(0.0)
        Yhat = Y.copy()
        if technique == "direct":
            for c in endo:
                Yhat[c] = Y @ P[c]
        else:  # earliest: in causal order from the exogenous scores
            for c in exo:
                Yhat[c] = Y[c]
            done = set(exo)
            while len(done) < len(model.constructs):
                for c in endo:
                    preds = list(model.predecessors(c))
                    if c not in done and all(p in done for p in preds):
                        Yhat[c] = sum(Yhat[p] * P.loc[p, c] for p in preds)
                        done.add(c)
        cpred.loc[ho.index, endo] = Yhat[endo].to_numpy()
        for c in endo:
            if lm_predictors == "direct":
                pred_items = [i for p in model.predecessors(c) for i in model.blocks[p]]
            else:
                pred_items = [i for p in exo for i in model.blocks[p]]
            A = np.column_stack([np.ones(len(tr)), tr[pred_items].to_numpy(float)])
            Ah = np.column_stack([np.ones(len(ho)), ho[pred_items].to_numpy(float)])
            for it in model.blocks[c]:
                lam = r.loadings.loc[(c, it)]
                pls.loc[ho.index, it] = mean[it] + sd[it] * lam * Yhat[c].to_numpy()
                coef = np.linalg.lstsq(A, tr[it].to_numpy(float), rcond=None)[0]
                lm.loc[ho.index, it] = Ah @ coef
                bench.loc[ho.index, it] = mean[it]
    return pls, lm, bench, cpred


@pytest.mark.parametrize("which", ["corp", "mixed"])
@pytest.mark.parametrize("technique", ["direct", "earliest"])
@pytest.mark.parametrize("lm_predictors", ["exogenous", "direct"])
def test_explicit_folds_equal_refits(which, technique, lm_predictors):
    model, data = _corp() if which == "corp" else _mixed()
    n = len(data)
    labels = (np.random.default_rng(3).permutation(n) % 5) + 1
    res = cm.PLS(tol=1e-12, max_iter=1000).fit(model, data)
    pp = cm.predict_pls(
        res, folds=labels, repeats=1, technique=technique, lm_predictors=lm_predictors
    )
    pls, lm, bench, cpred = _by_hand(model, data, labels, technique, lm_predictors)
    np.testing.assert_allclose(pp.predictions.to_numpy(), pls.to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(pp.lm_predictions.to_numpy(), lm.to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(
        pp.construct_predictions.to_numpy(), cpred.to_numpy(), rtol=0, atol=TOL
    )
    act = data[list(pls.columns)].to_numpy(float)
    e, le, be = act - pls.to_numpy(), act - lm.to_numpy(), act - bench.to_numpy()
    it = pp.items
    np.testing.assert_allclose(it["pls_rmse"], np.sqrt((e**2).mean(0)), rtol=0, atol=TOL)
    np.testing.assert_allclose(it["pls_mae"], np.abs(e).mean(0), rtol=0, atol=TOL)
    np.testing.assert_allclose(it["lm_rmse"], np.sqrt((le**2).mean(0)), rtol=0, atol=TOL)
    np.testing.assert_allclose(it["lm_mae"], np.abs(le).mean(0), rtol=0, atol=TOL)
    q2 = 1 - (e**2).sum(0) / (be**2).sum(0)
    np.testing.assert_allclose(it["q2_predict"], q2, rtol=0, atol=TOL)
    # construct level: predicted scores against the full-sample scores; benchmark = their
    # mean over the training rows of the fold holding the respondent out
    S = res.scores[list(cpred.columns)]
    cb = np.empty_like(S.to_numpy())
    for f in np.unique(labels):
        cb[labels == f] = S[labels != f].mean().to_numpy()
    ce = S.to_numpy() - cpred.to_numpy()
    ct = pp.constructs
    np.testing.assert_allclose(ct["rmse"], np.sqrt((ce**2).mean(0)), rtol=0, atol=TOL)
    np.testing.assert_allclose(ct["mae"], np.abs(ce).mean(0), rtol=0, atol=TOL)
    cq2 = 1 - (ce**2).sum(0) / ((S.to_numpy() - cb) ** 2).sum(0)
    np.testing.assert_allclose(ct["q2_predict"], cq2, rtol=0, atol=TOL)


def test_unstandardized_fit_equals_refits():
    """standardize=False: weights of centred items; item predictions are unchanged in form."""
    model, data = _mixed()
    labels = np.arange(len(data)) % 4
    res = cm.PLS(tol=1e-12, max_iter=1000, standardize=False).fit(model, data)
    pp = cm.predict_pls(res, folds=labels, repeats=1, technique="earliest")
    pls, lm, _, cpred = _by_hand(model, data, labels, "earliest", "exogenous", standardize=False)
    np.testing.assert_allclose(pp.predictions.to_numpy(), pls.to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(
        pp.construct_predictions.to_numpy(), cpred.to_numpy(), rtol=0, atol=TOL
    )


def test_repeats_average_predictions():
    model, data = _corp()
    res = cm.PLS(tol=1e-12).fit(model, data)
    pp = cm.predict_pls(res, folds=5, repeats=3, random_state=11)
    parts = [
        cm.predict_pls(res, folds=pp.folds[c].to_numpy(), repeats=1).predictions
        for c in pp.folds.columns
    ]
    mean = sum(p.to_numpy() for p in parts) / 3
    np.testing.assert_allclose(pp.predictions.to_numpy(), mean, rtol=0, atol=1e-12)
    # folds: contiguous blocks of a permutation, sizes differ by at most one
    sizes = pp.folds.apply(lambda s: s.value_counts().agg(["min", "max"]))
    assert (sizes.loc["max"] - sizes.loc["min"]).max() <= 1
    again = cm.predict_pls(res, folds=5, repeats=3, random_state=11)
    pd.testing.assert_frame_equal(again.items, pp.items)


def test_summary_and_plot(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    model, data = _corp()
    pp = cm.predict_pls(cm.PLS().fit(model, data), folds=5, repeats=2, random_state=0)
    text = pp.summary().as_text()
    assert "Indicators (out of sample)" in text and "PLS beats LM" in text
    assert "<table" in pp.summary().as_html()
    disp = pp.plot()
    assert len([a for a in disp.figure_.axes if a.has_data()]) == 4
    disp.figure_.savefig(tmp_path / "e.png")


@pytest.mark.parametrize("seed", [0, 7, 42])
def test_item_rescaling_and_order_invariance(seed):
    """Rescaling an item rescales its predictions and errors; Q²_predict and the construct
    metrics do not change; reordering the rows with the labels changes nothing."""
    model, data = _corp()
    rng = np.random.default_rng(seed)
    labels = rng.permutation(len(data)) % 6
    res = cm.PLS(tol=1e-12).fit(model, data)
    pp = cm.predict_pls(res, folds=labels, repeats=1)
    scaled = data.assign(cusl_2=data["cusl_2"] * 10 + 3)
    ps = cm.predict_pls(cm.PLS(tol=1e-12).fit(model, scaled), folds=labels, repeats=1)
    np.testing.assert_allclose(
        ps.predictions["cusl_2"], pp.predictions["cusl_2"] * 10 + 3, rtol=1e-10
    )
    np.testing.assert_allclose(ps.items["q2_predict"], pp.items["q2_predict"], atol=1e-10)
    np.testing.assert_allclose(
        ps.items.loc["cusl_2", "pls_rmse"], pp.items.loc["cusl_2", "pls_rmse"] * 10, rtol=1e-10
    )
    pd.testing.assert_frame_equal(ps.constructs, pp.constructs, atol=1e-10)
    order = rng.permutation(len(data))
    po = cm.predict_pls(
        cm.PLS(tol=1e-12).fit(model, data.iloc[order]), folds=labels[order], repeats=1
    )
    pd.testing.assert_frame_equal(po.items, pp.items, atol=1e-10)
    pd.testing.assert_frame_equal(
        po.predictions.loc[pp.predictions.index], pp.predictions, atol=1e-10
    )
