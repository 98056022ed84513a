"""CVPAT: the cross-validated predictive ability test (Liengaard et al. 2021)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frozen import Frozen
from .._validation import check_option
from ..exceptions import DataError, ModelError
from ._folds import check_pls_result, fold_labels
from .predict_pls import cross_validate

if TYPE_CHECKING:
    from ..report.summary import Summary

__all__ = ["cvpat", "CVPATResults"]

BENCHMARKS = ("ia", "lm")
UNITS = ("standardized", "raw")


def _losses(out: dict, cols: list[int], units: str) -> dict[str, np.ndarray]:
    """Per-respondent losses ``(repeats, n)`` of the model, IA and LM predictions."""
    x = out["actual"][None, :, cols]
    scale = out["sd"][:, :, cols] if units == "standardized" else 1.0
    res = {}
    for name, key in (("model", "pls"), ("ia", "mean"), ("lm", "lm")):
        e = (x - out[key][:, :, cols]) / scale
        res[name] = np.mean(e**2, axis=2)
    return res


class CVPATResults(Frozen):
    """Result of :func:`cvpat` (read-only).

    Attributes
    ----------
    table : pandas.DataFrame
        Rows = endogenous constructs + ``'overall'``; columns ``loss`` (the model's average
        loss), ``loss_benchmark`` (the benchmark's or the competing model's), ``diff``
        (mean of :math:`D_i = L_i^{benchmark} - L_i^{model}`), ``t``, ``p`` (one-sided: the
        model predicts better), plus ``n``.
    differences : pandas.DataFrame
        :math:`D_i` per used respondent (averaged over repetitions), one column per row of
        ``table``.
    """

    table: pd.DataFrame
    differences: pd.DataFrame
    benchmark: str
    benchmark_label: str
    units: str
    k: int
    repeats: int
    n_used: int
    n_total: int

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)

    def summary(self) -> Summary:
        from ..report.summary import Summary

        s = Summary("csimodel CVPAT (cross-validated predictive ability test)")
        s.add_info("Respondents (used / total)", f"{self.n_used} / {self.n_total}")
        s.add_info("Benchmark", self.benchmark_label)
        s.add_info("Folds x repetitions", f"{self.k} x {self.repeats}")
        s.add_info("Loss", f"squared prediction error ({self.units} units), mean over items")
        s.add_table("Test (H1: the model has the smaller loss)", self.table)
        s.add_note(
            "D = loss(benchmark) - loss(model) per respondent; paired t-test with n - 1 df, "
            "one-sided (Liengaard et al. 2021)."
        )
        return s

    def __repr__(self) -> str:
        return f"<csimodel.CVPATResults: vs {self.benchmark_label}, {self.k} x {self.repeats}>"


def cvpat(
    res: Any,
    res_alt: Any = None,
    benchmark: str = "ia",
    folds: Any = 10,
    repeats: int = 10,
    random_state: Any = None,
    *,
    units: str = "standardized",
) -> CVPATResults:
    """Cross-validated predictive ability test against a benchmark or a competing model.

    In every fold the model (and the competitor) is re-estimated on the training rows
    (standardized with their own means and SDs), the holdout rows are standardized with the
    training means and SDs, and the endogenous items are predicted from the direct
    antecedents. The benchmark ``'ia'`` predicts every item by its training mean, ``'lm'``
    regresses each endogenous item (with intercept) on the items of its construct's direct
    antecedents. The loss of respondent *i* is the mean squared prediction error over the
    items of the reflective (``=~``) endogenous constructs (per construct and overall;
    composite endogenous constructs are left out, as in the authors' R code), averaged over
    the repetitions. With :math:`D_i = L_i^{benchmark} - L_i^{model}`,

    .. math:: t = \\frac{\\bar D}{s_D / \\sqrt{n}}, \\qquad p = P(T_{n-1} > t),

    a one-sided paired test that the model predicts better.

    Parameters
    ----------
    res : FitResults
        The model (a :class:`~csimodel.PLS` fit without case weights).
    res_alt : FitResults, optional
        A competing model fitted on the same respondents; then ``D`` compares the two
        models on the items that are endogenous in both, and ``benchmark`` is ignored.
    benchmark : {'ia', 'lm'}, default='ia'
        Indicator averages or the linear model.
    folds, repeats, random_state
        As in :func:`predict_pls` (both models use the same folds).
    units : {'standardized', 'raw'}, default='standardized'
        Errors in training-standardized units (items weigh equally) or the items' own.

    Returns
    -------
    CVPATResults
        ``.table`` with ``loss, loss_benchmark, diff, t, p`` by endogenous construct and
        ``'overall'``.

    References
    ----------
    Liengaard, B. D., Sharma, P. N., Hult, G. T. M., et al. (2021). Prediction: coveted, yet
    forsaken? Introducing a cross-validated predictive ability test in partial least squares
    path modeling. *Decision Sciences* 52, 362-392.
    Sharma, P. N., Liengaard, B. D., Hair, J. F., Sarstedt, M., Ringle, C. M. (2023).
    Predictive model assessment and selection in composite-based modeling using PLS-SEM:
    extensions and guidelines for using CVPAT. *European Journal of Marketing* 57, 1662-1677.

    Tested against a recomputation of the losses, D, t and p by hand from the predictions
    of :func:`predict_pls`, and by simulation (size and power) in ``tests/prediction``.

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> cv = cm.cvpat(res, benchmark="ia", folds=10, repeats=2, random_state=0)
    >>> cv.table.columns.tolist()
    ['loss', 'loss_benchmark', 'diff', 't', 'p', 'n']
    >>> bool(cv.table.loc["overall", "p"] < 0.05)
    True
    """
    from scipy import stats

    owner = "cvpat"
    check_pls_result(res, owner)
    check_option(benchmark, "benchmark", owner, BENCHMARKS)
    check_option(units, "units", owner, UNITS)
    labels, k = fold_labels(res.n_used, folds, repeats, random_state, owner)
    out, _, lay = cross_validate(res, labels, k, "direct", "direct", owner)
    out["actual"] = res.data.X[:, lay.q]
    names = lay.endo_items
    # as in the authors' code, only reflective (mode A) endogenous constructs are predicted
    reflective = [c for c in lay.endo if res.model.modes[c] == "A"]
    if not reflective:
        raise ModelError(
            "cvpat compares predictions of the items of reflective endogenous constructs "
            "('=~'), and the model's endogenous constructs are all composites ('<~'). Define "
            "an endogenous construct as reflective or use cm.predict_pls."
        )
    groups = {c: [names.index(i) for i in res.model.blocks[c]] for c in reflective}
    if res_alt is not None:
        check_pls_result(res_alt, owner)
        if res_alt.n_used != res.n_used or not np.array_equal(
            np.asarray(res_alt.data.row_labels), np.asarray(res.data.row_labels)
        ):
            raise DataError(
                "cvpat: res and res_alt must be fitted on the same respondents (same used rows); "
                f"got {res.n_used} and {res_alt.n_used} used rows. Fit both models on the same "
                "data with the same missing-data policy."
            )
        out_alt, _, lay_alt = cross_validate(res_alt, labels, k, "direct", "direct", owner)
        out_alt["actual"] = res_alt.data.X[:, lay_alt.q]
        alt_reflective = {
            i
            for c in lay_alt.endo
            if res_alt.model.modes[c] == "A"
            for i in res_alt.model.blocks[c]
        }
        shared = [names[j] for g in groups.values() for j in g if names[j] in alt_reflective]
        if not shared:
            raise ModelError(
                "cvpat: res and res_alt share no items of endogenous constructs, so their "
                "predictions cannot be compared. Compare models that predict the same "
                "endogenous constructs."
            )
        groups = {c: g for c, g in groups.items() if all(names[j] in shared for j in g)}
        alt_cols = {i: lay_alt.endo_items.index(i) for i in shared}
        label = "competing model (res_alt)"
    else:
        shared = [names[j] for g in groups.values() for j in g]
        label = "indicator averages (IA)" if benchmark == "ia" else "linear model (LM)"
    rows = {**{c: g for c, g in groups.items()}, "overall": [names.index(i) for i in shared]}
    table, diffs = [], {}
    n = res.n_used
    for name, cols in rows.items():
        L = _losses(out, cols, units)
        model = L["model"].mean(axis=0)
        if res_alt is not None:
            acols = [alt_cols[names[j]] for j in cols]
            bench = _losses(out_alt, acols, units)["model"].mean(axis=0)
        else:
            bench = L[benchmark].mean(axis=0)
        D = bench - model
        sd = D.std(ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = float(D.mean() / (sd / np.sqrt(n)))
        p = float(stats.t.sf(t, n - 1)) if np.isfinite(t) else np.nan
        table.append((name, model.mean(), bench.mean(), D.mean(), t, p, n))
        diffs[name] = D
    tab = pd.DataFrame(
        table, columns=["construct", "loss", "loss_benchmark", "diff", "t", "p", "n"]
    ).set_index("construct")
    return CVPATResults(
        table=tab,
        differences=pd.DataFrame(diffs, index=res.data.row_labels),
        benchmark=benchmark if res_alt is None else "model",
        benchmark_label=label,
        units=units,
        k=k,
        repeats=labels.shape[0],
        n_used=res.n_used,
        n_total=res.n_total,
    )
