"""The reproduction gallery's CB-SEM example against lavaan on the same published matrix.

Reference: lavaan 0.6-14, ``sem(model, sample.cov = wheaton.cov, sample.nobs = 932)``
(tests/data/scripts/make_lavaan_wheaton.R -> tests/data/lavaan_wheaton.json). Tolerances:
estimates 1e-5 (optimizer resolution of both programs), chi-square 1e-6, SRMR/CFI 1e-6.
The published values themselves are asserted by docs/gallery/wheaton1977.md.
"""

from __future__ import annotations

import pytest
from refdata import load_reference

import csimodel as cm

LOWER = [
    11.834,
    6.947, 9.364,
    6.819, 5.091, 12.532,
    4.783, 5.028, 7.495, 9.986,
    -3.839, -3.889, -3.841, -3.625, 9.610,
    -21.899, -18.831, -21.748, -18.775, 35.522, 450.288,
]  # fmt: skip
NAMES = ["anomia67", "powerless67", "anomia71", "powerless71", "education", "sei"]
MODEL = """
ses     =~ education + sei
alien67 =~ anomia67 + powerless67
alien71 =~ anomia71 + powerless71
alien71 ~ alien67 + ses
alien67 ~ ses
anomia67 ~~ anomia71
powerless67 ~~ powerless71
"""


def test_wheaton_equals_lavaan():
    ref = load_reference("lavaan_wheaton.json")
    res = cm.CBSEM().fit(MODEL, cm.SummaryData.from_lower(LOWER, NAMES, kind="cov", n=932))
    est = res.params.set_index(["lhs", "op", "rhs"])["estimate"]
    for p in ref["params"]:
        key = (p["lhs"], p["op"], p["rhs"])
        if key not in est.index:  # lavaan lists a covariance as (a, b); csimodel may as (b, a)
            key = (p["rhs"], p["op"], p["lhs"])
        assert est[key] == pytest.approx(p["est"], abs=1e-5, rel=1e-6), key
    fi = res.fit_indices
    for ours, theirs in [
        ("chisq", "chisq"),
        ("df", "df"),
        ("pvalue", "pvalue"),
        ("baseline_chisq", "baseline.chisq"),
        ("cfi", "cfi"),
        ("tli", "tli"),
        ("rmsea", "rmsea"),
        ("srmr", "srmr"),
    ]:
        assert fi[ours] == pytest.approx(ref["fit"][theirs], abs=1e-6), ours
