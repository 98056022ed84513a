"""Benchmark: scoring in services -- one respondent as a dict, 1,000 records, JSON, a big frame.

Run by hand:  PYTHONPATH=src python benchmarks/bench_scoring_service.py
Targets (issue 21): sm.score(dict) median <= 30 us; sm.score(list of 1,000 dicts) <= 3 ms;
sm.score(1,000,000 x 24 frame) <= 0.2 s. Reports medians over many repeats (the machine is
shared, so the best and the median are both shown), and the 1-row-frame path for contrast.
"""

from __future__ import annotations

import json
import os
import time
import timeit
import warnings

import numpy as np
import pandas as pd

import csimodel as cm


def per_call(fn, number: int, repeat: int) -> tuple[float, float]:
    t = np.array(timeit.repeat(fn, number=number, repeat=repeat)) / number
    return float(t.min()), float(np.median(t))


def show(label: str, fn, number: int, repeat: int, unit: str, target: str = "") -> None:
    scale = {"us": 1e6, "ms": 1e3, "s": 1.0}[unit]
    b, m = per_call(fn, number, repeat)
    tail = f" (target {target})" if target else ""
    print(f"{label}: median {m * scale:.2f} {unit}, best {b * scale:.2f} {unit}{tail}")


def main() -> None:
    data = cm.datasets.load_ecsi_mobi()
    sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
    items = list(sm.items)
    one = {k: float(v) for k, v in data[items].iloc[0].items()}
    one_int = {k: int(v) for k, v in one.items()}
    one_text = json.dumps(one)
    frame1 = data.head(1)
    rng = np.random.default_rng(0)
    X = rng.integers(1, 11, size=(1000, len(items))).astype(float)
    records = [dict(zip(items, row, strict=True)) for row in X.tolist()]
    records_text = json.dumps(records)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        show(
            "sm.score(dict), one ECSI respondent (floats)",
            lambda: sm.score(one),
            2000,
            15,
            "us",
            "30 us",
        )
        show("sm.score(dict), one respondent (ints)", lambda: sm.score(one_int), 2000, 15, "us")
        show("sm.score_json(text), one respondent", lambda: sm.score_json(one_text), 2000, 15, "us")
        show("sm.score(1-row DataFrame), for contrast", lambda: sm.score(frame1), 200, 15, "us")
        show("sm.score(list of 1,000 dicts)", lambda: sm.score(records), 20, 15, "ms", "3 ms")
        show(
            "sm.score_json(array of 1,000 objects)",
            lambda: sm.score_json(records_text),
            20,
            15,
            "ms",
        )
        show("sm.score(1,000 x 24 array)", lambda: sm.score(X), 200, 15, "ms")
        n = 1_000_000
        big = pd.DataFrame(rng.integers(1, 11, size=(n, len(items))).astype(float), columns=items)
        show(f"sm.score({n:,} x {len(items)} frame)", lambda: sm.score(big), 1, 7, "s", "0.2 s")
    print(
        f"machine: {os.cpu_count()} cores (shared with other jobs); {time.strftime('%Y-%m-%d %H:%M')}"
    )


if __name__ == "__main__":
    main()
