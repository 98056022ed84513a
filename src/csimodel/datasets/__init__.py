"""Bundled survey data sets (with provenance).

The CSV files ship inside the package (``csimodel/datasets/data``) and are read with
:mod:`importlib.resources`; nothing is downloaded.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["load_ecsi_mobi", "load_corp_rep", "load_satisfaction"]


def _read(name: str, **kwargs) -> pd.DataFrame:
    with resources.files(__name__).joinpath("data").joinpath(name).open("rb") as fh:
        return pd.read_csv(fh, **kwargs)


def load_ecsi_mobi() -> pd.DataFrame:
    """ECSI mobile-phone customer survey (250 respondents x 24 items, answers 1-10).

    The data analysed by Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), "PLS path
    modeling", *Computational Statistics & Data Analysis* 48:159-205; the same data as
    ``mobi`` in the R packages semPLS and seminr (and, rescaled to 0-100, ``mobile`` in
    plspm). File sha256 8411783c...a8dff. No missing values.

    ==============  =====================================================
    Columns         Construct (see :func:`csimodel.models.ecsi`)
    ==============  =====================================================
    IMAG1-IMAG5     Image
    CUEX1-CUEX3     Customer expectations
    PERQ1-PERQ7     Perceived quality
    PERV1-PERV2     Perceived value
    CUSA1-CUSA3     Customer satisfaction
    CUSCO           Complaints
    CUSL1-CUSL3     Loyalty
    ==============  =====================================================

    Returns
    -------
    pandas.DataFrame of shape (250, 24)

    Examples
    --------
    >>> import csimodel as cm
    >>> cm.datasets.load_ecsi_mobi().shape
    (250, 24)
    """
    return _read("ecsi_mobi.csv")


def load_corp_rep() -> pd.DataFrame:
    """Corporate-reputation mobile-phone survey (344 respondents x 41 columns).

    From Hair, Hult, Ringle & Sarstedt, *A Primer on Partial Least Squares Structural
    Equation Modeling (PLS-SEM)*, 2nd ed. (2017); shipped as ``corp_rep_data`` by seminr.
    Items mostly on a 1-7 scale (``switch_*`` 1-5); ``servicetype`` (1, 2) and
    ``serviceprovider`` (1-4) are segment codes. **-99 marks a missing answer** (only in
    ``cusa`` and ``cusl_1``-``cusl_3``): declare it with ``missing_values=(-99,)``.

    Simple model: COMP = comp_1-3, LIKE = like_1-3, CUSA = cusa, CUSL = cusl_1-3;
    CUSA ~ COMP + LIKE; CUSL ~ COMP + LIKE + CUSA.

    Returns
    -------
    pandas.DataFrame of shape (344, 41)

    Examples
    --------
    >>> import csimodel as cm
    >>> (cm.datasets.load_corp_rep()["cusa"] == -99).sum()
    np.int64(1)
    """
    return _read("corp_rep.csv")


def load_satisfaction() -> pd.DataFrame:
    """Customer satisfaction survey of the R package plspm (250 respondents x 28 columns).

    By G. Sanchez (plspm's ``satisfaction`` data). Items on a **0-10** scale: image
    (imag1-5), expectations (expe1-5), quality (qual1-5), value (val1-4), satisfaction
    (sat1-4), loyalty (loy1-4), plus ``gender``. The source's leading row-number column
    was dropped. No missing values.

    Model: EXPE ~ IMAG; QUAL ~ EXPE; VAL ~ EXPE + QUAL; SAT ~ IMAG + EXPE + QUAL + VAL;
    LOY ~ IMAG + SAT.

    Returns
    -------
    pandas.DataFrame of shape (250, 28)

    Examples
    --------
    >>> import csimodel as cm
    >>> cm.datasets.load_satisfaction()["gender"].value_counts().to_dict()
    {'female': 148, 'male': 102}
    """
    return _read("satisfaction.csv")
