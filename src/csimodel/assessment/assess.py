"""``cm.assess(res)``: the PLS-SEM reporting checklist in one frozen object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import check_number
from .collinearity import item_vif, predictor_vif
from .effects import f_squared
from .exact_fit import bootstrap_assessment, implied_item_cors
from .fit import fit_measures, gof
from .model_selection import model_selection
from .reliability import item_matrix, reliability
from .validity import fornell_larcker, htmt

if TYPE_CHECKING:
    from ..report.summary import Summary


__all__ = ["Assessment", "assess", "CUTOFFS"]

#: Cut-offs shown as flags in :meth:`Assessment.summary` (never used to filter anything).
CUTOFFS: dict[str, tuple[str, str]] = {
    "reliability": (
        "alpha, rho_a, rho_c between 0.70 and 0.95",
        "Nunnally & Bernstein (1994); Hair, Risher, Sarstedt & Ringle (2019), EBR 31(1)",
    ),
    "ave": ("AVE >= 0.50", "Fornell & Larcker (1981), JMR 18(1)"),
    "loading": ("loading >= 0.708", "Hair, Risher, Sarstedt & Ringle (2019)"),
    "htmt": (
        "HTMT < 0.85 (conceptually distinct) / < 0.90 (similar constructs)",
        "Henseler, Ringle & Sarstedt (2015), JAMS 43(1); Roemer, Schuberth & Henseler (2021), IMDS 121(12) for HTMT2",
    ),
    "fornell_larcker": (
        "sqrt(AVE) larger than the construct's correlations with all others",
        "Fornell & Larcker (1981)",
    ),
    "cross_loadings": (
        "every item loads highest on its own construct",
        "Chin (1998)",
    ),
    "vif": (
        "VIF < 5 (critical), ideally < 3",
        "Hair, Risher, Sarstedt & Ringle (2019)",
    ),
    "f2": ("f2 >= 0.02 small, >= 0.15 medium, >= 0.35 large", "Cohen (1988)"),
    "srmr": (
        "SRMR < 0.08",
        "Hu & Bentler (1999); Henseler, Hubona & Ray (2016), IMDS 116(1)",
    ),
}


@dataclass(frozen=True, eq=False)
class Assessment:
    """Measurement and structural model assessment of a PLS / PLSc fit (read-only).

    Attributes
    ----------
    reliability : DataFrame
        Index construct; columns ``alpha, rho_a, rho_c, ave, block``.
    htmt, htmt2 : DataFrame
        Construct x construct (symmetric, NaN diagonal).
    fornell_larcker : DataFrame
        Construct correlations with :math:`\\sqrt{AVE}` on the diagonal.
    cross_loadings : DataFrame
        Items x constructs.
    loadings : Series
        Loadings by (construct, item) (consistent loadings for PLSc).
    vif_items : Series
        VIF of each item within its block, by (construct, item).
    vif_predictors : Series
        VIF of each predictor of each endogenous construct, by (target, predictor).
    f_squared : DataFrame
        ``source, target, r2_included, r2_excluded, f2``.
    r_squared : DataFrame
        ``r2, r2_adj`` by endogenous construct.
    model_fit : DataFrame
        Index ``srmr, d_uls, d_g``; columns ``saturated, estimated``.
    gof : float
        Tenenhaus et al. (2005) goodness of fit.
    admissible : bool or None
        PLSc: whether the solution is admissible; None for other estimators.
    estimator : str
    n_used : int
    htmt_upper, htmt2_upper : DataFrame or None
        With ``boot``: one-sided bootstrap upper bounds (``level`` percentile) of HTMT and
        HTMT2, construct x construct.
    model_fit_test : DataFrame or None
        With ``boot``: bootstrap test of exact fit. Index ``(model, measure)``, model
        ``saturated`` / ``estimated``, measure ``srmr, d_uls, d_g``; columns ``value``
        (the original statistic), ``HI95``, ``HI99`` (95% / 99% quantiles of its bootstrap
        distribution under exact fit), ``exceeds_HI95``, ``exceeds_HI99`` (exact fit
        rejected at 5% / 1%) and ``n_boot`` (resamples used).
    n_boot : int or None
        Resamples drawn (with ``boot``).
    level : float or None
        Percentile of the HTMT upper bounds.
    model_selection : DataFrame or None
        Information criteria ``bic, aic, hq, gm`` (plus ``k, sse``) by endogenous construct
        (Sharma et al. 2019); see :func:`csimodel.assessment.model_selection.model_selection`.
    """

    reliability: pd.DataFrame
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    fornell_larcker: pd.DataFrame
    cross_loadings: pd.DataFrame
    loadings: pd.Series
    vif_items: pd.Series
    vif_predictors: pd.Series
    f_squared: pd.DataFrame
    r_squared: pd.DataFrame
    model_fit: pd.DataFrame
    gof: float
    admissible: bool | None
    estimator: str
    n_used: int
    htmt_upper: pd.DataFrame | None = None
    htmt2_upper: pd.DataFrame | None = None
    model_fit_test: pd.DataFrame | None = None
    n_boot: int | None = None
    level: float | None = None
    model_selection: pd.DataFrame | None = None

    @property
    def vif(self) -> pd.DataFrame:
        """Both VIF tables in one long table: ``level, construct, variable, vif``."""
        a = self.vif_items.reset_index()
        a.columns = ["construct", "variable", "vif"]
        a.insert(0, "level", "item")
        b = self.vif_predictors.reset_index()
        b.columns = ["construct", "variable", "vif"]
        b.insert(0, "level", "predictor")
        return pd.concat([a, b], ignore_index=True)

    # ------------------------------------------------------------------ presentation
    def summary(self) -> Summary:
        """Summary with every table and its cut-off flags (with sources)."""
        from ..report.summary import Summary

        s = Summary(f"csimodel assessment ({self.estimator})")
        s.add_info("Respondents used", self.n_used)
        if self.admissible is not None:
            s.add_info("PLSc solution admissible", "yes" if self.admissible else "NO")
        rel = self.reliability.copy()
        flag = []
        for _c, r in rel.iterrows():
            if r["block"] == "single item":
                flag.append("n/a (single item)")
                continue
            if r["block"].startswith("mode B"):
                flag.append("n/a (mode B composite)")
                continue
            f = []
            for k in ("alpha", "rho_a", "rho_c"):
                if r[k] < 0.70:
                    f.append(f"{k} < 0.70")
                elif r[k] > 0.95:
                    f.append(f"{k} > 0.95")
            if r["ave"] < 0.5:
                f.append("AVE < 0.50")
            flag.append("; ".join(f) if f else "ok")
        rel["flag"] = flag
        s.add_table("Reliability", rel)
        lo = self.loadings.to_frame()
        lo["flag"] = np.where(lo["loading"] >= 0.708, "ok", "< 0.708")
        s.add_table("Loadings", lo)
        s.add_table("HTMT", self.htmt)
        s.add_table("HTMT2", self.htmt2)
        s.add_table("Fornell-Larcker (sqrt(AVE) on the diagonal)", self.fornell_larcker)
        s.add_table("Cross-loadings", self.cross_loadings)
        vi = self.vif_items.to_frame()
        vi["flag"] = _vif_flag(vi["vif"])
        s.add_table("VIF (items within blocks)", vi)
        vp = self.vif_predictors.to_frame()
        vp["flag"] = _vif_flag(vp["vif"])
        s.add_table("VIF (predictors)", vp)
        f2 = self.f_squared.set_index(["source", "target"])
        f2["size"] = pd.cut(
            f2["f2"],
            [-np.inf, 0.02, 0.15, 0.35, np.inf],
            labels=["none", "small", "medium", "large"],
            right=False,
        ).astype(str)
        s.add_table("Effect sizes f2", f2)
        s.add_table("R-squared", self.r_squared)
        if self.model_selection is not None:
            s.add_table(
                "Model selection criteria (smaller is better; Sharma et al. 2019)",
                self.model_selection,
            )
        mf = self.model_fit.copy()
        s.add_table("Model fit", mf)
        s.add_info("GoF (Tenenhaus)", f"{self.gof:.3f}")
        # flags from the tables
        h = self.htmt.to_numpy()
        iu = np.triu_indices_from(h, 1)
        hi = [
            f"{self.htmt.index[int(i)]}-{self.htmt.columns[int(j)]} ({h[i, j]:.3f})"
            for i, j in zip(*iu, strict=True)
            if h[i, j] >= 0.85
        ]
        if hi:
            s.add_note("HTMT >= 0.85: " + ", ".join(hi))
        fl = self.fornell_larcker.to_numpy()
        bad = [
            self.fornell_larcker.index[i]
            for i in range(len(fl))
            if np.any(np.abs(np.delete(fl[i], i)) >= fl[i, i])
        ]
        if bad:
            s.add_note("Fornell-Larcker not met for: " + ", ".join(bad))
        cl = self.cross_loadings
        own: dict = {}  # an item repeated in a higher-order block has two owners
        for c, it in self.loadings.index:
            own.setdefault(it, set()).add(c)
        worse = list(
            dict.fromkeys(
                it for k, it in enumerate(cl.index) if cl.iloc[k].abs().idxmax() not in own[it]
            )
        )
        if worse:
            s.add_note("Items loading higher on another construct: " + ", ".join(worse))
        if self.htmt_upper is not None and self.htmt2_upper is not None:
            level = float(self.level or 0.95)
            s.add_info("Bootstrap resamples", self.n_boot)
            s.add_table(f"HTMT upper bound ({100 * level:g}% percentile)", self.htmt_upper)
            s.add_table(f"HTMT2 upper bound ({100 * level:g}% percentile)", self.htmt2_upper)
            hb = self.htmt_upper.to_numpy()
            over = [
                f"{self.htmt_upper.index[int(i)]}-{self.htmt_upper.columns[int(j)]} ({hb[i, j]:.3f})"
                for i, j in zip(*np.triu_indices_from(hb, 1), strict=True)
                if hb[i, j] >= 1
            ]
            if over:
                s.add_note(
                    "HTMT upper bound >= 1 (discriminant validity not shown): " + ", ".join(over)
                )
        if self.model_fit_test is not None:
            s.add_table(
                "Bootstrap test of exact fit (Dijkstra & Henseler 2015)", self.model_fit_test
            )
            rej = self.model_fit_test.index[self.model_fit_test["exceeds_HI95"]]
            if len(rej):
                s.add_note(
                    "Exact fit rejected at 5% by: "
                    + ", ".join(f"{a} {b}" for a, b in rej)
                    + " (value > HI95)."
                )
        srmr = float(self.model_fit.at["srmr", "saturated"])  # type: ignore[arg-type]
        s.add_note(f"SRMR (saturated) = {srmr:.3f}: {'< 0.08' if srmr < 0.08 else '>= 0.08'}.")
        for key, (rule, src) in CUTOFFS.items():
            s.add_note(f"Cut-off {key}: {rule} [{src}]. Flags only; nothing is filtered.")
        return s

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return f"<csimodel.Assessment: {self.estimator}, {len(self.reliability)} constructs>"


def _vif_flag(v: pd.Series) -> list[str]:
    return ["ok" if x < 3 else ("3-5 (check)" if x < 5 else ">= 5 (critical)") for x in v]


def _boot_counts(res: Any, boot: Any, random_state: Any):
    """Resample-count chunks (m, n) for assess(boot=...), or None."""
    if boot is None:
        return None
    if hasattr(boot, "iter_counts"):
        boot.check_fit(res, "assess")
        return boot.iter_counts()
    from ..inference.bootstrap import _generator, _resample_counts

    check_number(None if isinstance(boot, bool) else boot, "boot", "assess", integer=True, low=2)
    rng = _generator(random_state)
    n = res.n_used
    chunk = int(max(1, min(500, 2**23 // max(n, 1))))

    def gen():
        for start in range(0, int(boot), chunk):
            yield _resample_counts(rng, n, min(chunk, int(boot) - start))

    return gen()


def assess(
    res: Any, boot: Any = None, *, level: float = 0.95, random_state: Any = None
) -> Assessment:
    """Reliability, validity, collinearity, effect sizes and model fit of a PLS/PLSc fit.

    Everything is computed from the fit's moments (``res.cov``) and estimates
    (``res.arrays``); f² re-estimates the model without each path on the same moments.

    Parameters
    ----------
    res : FitResults
        A fit of :class:`~csimodel.PLS` or :class:`~csimodel.PLSc`.
    boot : BootstrapResults or int, optional
        Adds bootstrap inference: a result of ``cm.bootstrap(res, ...)`` (its resamples are
        replayed; it must be drawn on the same rows as ``res``) or a number of resamples
        drawn here (rows ``rng.integers(0, n, n)`` per resample, ``rng =
        numpy.random.default_rng(random_state)``, as in :func:`~csimodel.bootstrap`).
        The same resamples give (1) the one-sided upper bounds ``htmt_upper`` and
        ``htmt2_upper`` (the ``level`` percentile of the resampled HTMT / HTMT2;
        Henseler et al. 2015, Franke & Sarstedt 2019) and (2) the bootstrap test of exact
        fit (Dijkstra & Henseler 2015) in ``model_fit_test``: the resamples are applied to
        the Bollen-Stine transformed data (whose correlations equal the model-implied
        ones), each is re-estimated and its SRMR, d_ULS and d_G are computed; HI95 / HI99
        are their 95% / 99% quantiles, and a value above them rejects exact fit at 5% /
        1% (see :mod:`csimodel.assessment.exact_fit`). Costs one estimation per resample
        for each of the saturated and the estimated model.
    level : float, default=0.95
        Percentile of the HTMT upper bounds.
    random_state : None, int or numpy.random.Generator, optional
        Seed of the resamples drawn for an int ``boot``.

    Returns
    -------
    Assessment

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> qa = cm.assess(res)
    >>> round(float(qa.reliability.loc["Quality", "rho_c"]), 3)
    0.905
    >>> round(float(qa.htmt.loc["Image", "Expectation"]), 3)
    0.888

    References
    ----------
    Henseler, J., Ringle, C. M., Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based SEM. *JAMS* 43(1), 115-135.
    Dijkstra, T. K., Henseler, J. (2015). Consistent and asymptotically normal PLS
    estimators for linear structural equations. *CSDA* 81, 10-23.
    Franke, G., Sarstedt, M. (2019). Heuristics versus statistics in discriminant validity
    testing. *Internet Research* 29(3), 430-447.
    Bollen, K. A., Stine, R. A. (1992). Bootstrapping goodness-of-fit measures in structural
    equation models. *Sociological Methods & Research* 21(2), 205-229.
    Roemer, E., Schuberth, F., Henseler, J. (2021). HTMT2 - an improved criterion for
    assessing discriminant validity in SEM. *IMDS* 121(12), 2637-2650.

    Tested against seminr 0.2.1 (Python port), plspm 0.5.7 and formulas coded
    independently in the tests on raw data (see ``tests/assessment/``).
    """
    from ..exceptions import ModelError

    if not hasattr(res, "arrays") or not hasattr(res, "cov"):
        raise ModelError(
            f"assess() needs a FitResults from cm.PLS or cm.PLSc. Got {type(res).__name__}."
        )
    check_number(level, "level", "assess", low=0, high=1, low_open=True, high_open=True)
    counts = _boot_counts(res, boot, random_state)
    m = res.model
    arr = res.arrays
    mask = m.block_mask()
    _, R = item_matrix(res)
    rel = reliability(res)
    C = arr.construct_cor[0]
    L = arr.block_loadings[:1]
    Sig_sat, Sig_est = implied_item_cors(arr, R[None], mask)
    fm = fit_measures(np.stack([R, R]), np.concatenate([Sig_sat, Sig_est]))
    model_fit = pd.DataFrame(
        fm.T,
        index=pd.Index(["srmr", "d_uls", "d_g"], name="measure"),
        columns=["saturated", "estimated"],
    )
    admissible = getattr(arr, "admissible", None)
    extra: dict[str, Any] = {}
    if counts is not None:
        extra = bootstrap_assessment(
            res,
            counts,
            {"saturated": Sig_sat[0], "estimated": Sig_est[0]},
            {"saturated": fm[0], "estimated": fm[1]},
            level,
        )
        extra["level"] = float(level)
    return Assessment(
        **extra,
        reliability=rel,
        htmt=htmt(R, m, "htmt"),
        htmt2=htmt(R, m, "htmt2"),
        fornell_larcker=fornell_larcker(C, rel["ave"].to_numpy(), m.constructs),
        cross_loadings=res.cross_loadings,
        loadings=res.loadings,
        vif_items=item_vif(R, m, res.loadings.index),
        vif_predictors=predictor_vif(C, m),
        f_squared=f_squared(res),
        r_squared=pd.DataFrame({"r2": res.r_squared, "r2_adj": res.r_squared_adj}),
        model_selection=model_selection(res),
        model_fit=model_fit,
        gof=gof(L[0], mask, arr.r2[0]),
        admissible=None if admissible is None else bool(admissible[0]),
        estimator=type(res.estimator).__name__,
        n_used=res.n_used,
    )
