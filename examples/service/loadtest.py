"""Bounded load test of the scoring service: N requests from C concurrent clients.

Each client keeps one HTTP/1.1 connection open and posts one respondent per request (as a
survey platform would). Every answer is checked against ``sm.score`` of the same respondent
in this process (exact float equality); latencies are measured per request.

Run against a running service (see ``app.py``)::

    python loadtest.py model.json --port 8000 --requests 20000 --clients 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass

import numpy as np

import csimodel as cm


@dataclass
class LoadResult:
    requests: int
    clients: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    mismatches: int

    def __str__(self) -> str:
        return (
            f"{self.requests} requests, {self.clients} clients, {self.seconds:.1f} s "
            f"({self.requests / self.seconds:,.0f} req/s): p50 {self.p50_ms:.2f} ms, "
            f"p99 {self.p99_ms:.2f} ms, max {self.max_ms:.1f} ms, errors {self.errors}, "
            f"mismatches {self.mismatches}"
        )


def respondents(sm: cm.ScoringModel, n: int, seed: int = 0) -> list[dict]:
    """``n`` random respondents inside the model's scales (whole and half points)."""
    rng = np.random.default_rng(seed)
    lo, hi = sm.scale_low, sm.scale_high
    X = lo + np.round(rng.random((n, len(sm.items))) * (hi - lo) * 2) / 2
    return [dict(zip(sm.items, row, strict=True)) for row in X.tolist()]


def run(
    sm: cm.ScoringModel,
    host: str,
    port: int,
    *,
    requests: int = 20_000,
    clients: int = 4,
    seed: int = 0,
) -> LoadResult:
    """Post ``requests`` respondents to ``/score`` from ``clients`` threads."""
    pool = respondents(sm, 1000, seed)
    bodies = [json.dumps(r).encode() for r in pool]
    expected = [sm.score(r) for r in pool]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    mismatches = [0] * clients
    start = threading.Barrier(clients + 1)

    def client(c: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        headers = {"Content-Type": "application/json"}
        lat = latencies[c]
        start.wait()
        for k in range(c, requests, clients):
            j = k % len(bodies)
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/score", body=bodies[j], headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                errors[c] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            lat.append(time.perf_counter() - t0)
            if resp.status != 200:
                errors[c] += 1
            elif json.loads(data) != expected[j]:
                mismatches[c] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    lat = sorted(x for c in latencies for x in c)
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
    return LoadResult(
        requests=requests,
        clients=clients,
        seconds=seconds,
        p50_ms=1e3 * q[49],
        p99_ms=1e3 * q[98],
        max_ms=1e3 * lat[-1],
        errors=sum(errors),
        mismatches=sum(mismatches),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="the model file the service loaded")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--requests", type=int, default=20_000)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    sm = cm.load_model(args.model)
    print(run(sm, args.host, args.port, requests=args.requests, clients=args.clients))


if __name__ == "__main__":
    main()
