"""Property tests of the model extensions on random models and data (hypothesis).

Random models from ``robustgen.random_case`` get an interaction term (into a sink
construct) or are rewired into a higher-order model; every fit must be finite, the
resampling builder must reproduce the fit's moments and estimates (batched == single), and
estimates must not depend on row order.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustgen import random_case

import csimodel as cm
from csimodel.layout import flatten_params

N_EXAMPLES = int(os.environ.get("CSIMODEL_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("CSIMODEL_HYPOTHESIS_RANDOM") is None,
)
seeds = st.integers(0, 2**32 - 1)


def with_interaction(case, seed: int) -> str:
    m = cm.Model(case.syntax)
    sinks = [c for c in m.endogenous if not any(s == c for s, _ in m.paths)]
    t = sinks[0]
    others = [c for c in m.constructs if c != t]
    rng = np.random.default_rng(seed)
    a = m.predecessors(t)[0]
    b = others[int(rng.integers(len(others)))]
    return case.syntax + f"\n{t} ~ {a}:{b}"


def with_higher_order(case, seed: int) -> str:
    meas = [ln for ln in case.syntax.splitlines() if ln.split()[1] in ("=~", "<~")]
    names = list(case.constructs)
    op = "=~" if seed % 2 else "<~"
    out = meas + [
        f"H {op} {names[0]} + {names[1]}",
        f"{names[2]} ~ H",
        f"{names[3]} ~ H + {names[2]}",
    ]
    return "\n".join(out)


def fit(syntax, case, data=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)
        return cm.PLS(scheme=case.scheme, **kw).fit(
            syntax, case.data if data is None else data, missing=case.missing, weights=case.weights
        )


def check(res, case, syntax, seed, **kw):
    est = res.params["estimate"].to_numpy()
    assert np.all(np.isfinite(est))
    assert np.all(np.isfinite(res.scores.to_numpy()))
    # the resampling builder reproduces the fit (all-ones pattern), batched == single
    n = res.n_used
    rng = np.random.default_rng(seed)
    F = np.vstack([rng.multinomial(n, np.full(n, 1 / n)), np.ones(n)])
    _, S = res.moment_builder().moments(F)
    np.testing.assert_allclose(S[1], res.cov, rtol=1e-9, atol=1e-9 * np.abs(res.cov).max())
    batch = res.estimator.estimate(np.stack([S[0], res.cov]), res.model)
    single = flatten_params(res.arrays, res.model)[0]
    np.testing.assert_allclose(flatten_params(batch, res.model)[1], single, rtol=0, atol=1e-12)
    # row order
    shuffled = case.data.iloc[rng.permutation(len(case.data))]
    res_r = fit(syntax, case, shuffled, **kw)
    np.testing.assert_allclose(res_r.params["estimate"].to_numpy(), est, rtol=1e-7, atol=1e-7)


@SETTINGS
@given(seed=seeds, method=st.sampled_from(["two_stage", "product_indicator", "orthogonal"]))
def test_interaction_properties(seed, method):
    case = random_case(seed, n_constructs=int(3 + seed % 3))
    syntax = with_interaction(case, seed)
    res = fit(syntax, case, interaction=method)
    check(res, case, syntax, seed, interaction=method)


@SETTINGS
@given(seed=seeds, method=st.sampled_from(["two_stage", "repeated_indicators"]))
def test_higher_order_properties(seed, method):
    case = random_case(seed, n_constructs=4)
    syntax = with_higher_order(case, seed)
    res = fit(syntax, case, higher_order=method)
    check(res, case, syntax, seed, higher_order=method)
