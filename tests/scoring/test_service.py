"""examples/service: the ASGI scoring service on the loopback interface, and under load.

Needs the optional extra ``service`` (Starlette, uvicorn); skipped without it. The server
runs in its own process (uvicorn, on a socket bound here to 127.0.0.1, port chosen by the
OS). Every answer is compared with ``sm.score`` in this process: exact equality.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import csimodel as cm

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

SERVICE = Path(__file__).parents[2] / "examples" / "service"
# uvicorn's --fd takes the socket for a Unix one (no TCP_NODELAY: Nagle's algorithm then
# adds ~40 ms per request); pass it as a TCP socket instead
LAUNCH = """
import socket, sys, uvicorn
from app import create_app
sock = socket.socket(fileno=int(sys.argv[1]))
config = uvicorn.Config(create_app(), log_level="warning", access_log=False)
uvicorn.Server(config).run(sockets=[sock])
"""


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"service_{name}", SERVICE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    data = cm.datasets.load_ecsi_mobi()
    sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
    path = tmp_path_factory.mktemp("svc") / "ecsi.json"
    sm.save(path)
    return path, cm.load_model(path), data[list(sm.items)].head(20).to_dict("records")


@pytest.fixture(scope="module")
def server(model_file):
    path = model_file[0]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    env = {
        **os.environ,
        "CSIMODEL_MODEL": str(path),
        "PYTHONPATH": os.pathsep.join([str(Path(cm.__file__).parents[1]), str(SERVICE)]),
    }
    cmd = [sys.executable, "-c", LAUNCH, str(sock.fileno())]
    proc = subprocess.Popen(
        cmd, env=env, pass_fds=(sock.fileno(),), stderr=subprocess.PIPE, cwd=str(SERVICE)
    )
    sock.close()
    deadline = time.monotonic() + 60
    while True:
        try:
            status, _ = request(port, "GET", "/model")
            if status == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"service did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)
    yield port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def request(port: int, method: str, path: str, body: bytes | str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        if resp.getheader("content-type", "").startswith("application/json"):
            return resp.status, json.loads(raw)
        return resp.status, raw.decode()
    finally:
        conn.close()


def test_score_indices_and_model(server, model_file):
    _, sm, records = model_file
    status, out = request(server, "POST", "/score", json.dumps(records[0]))
    assert status == 200 and out == sm.score(records[0])
    status, out = request(server, "POST", "/score", json.dumps(records))
    assert status == 200
    assert out == sm.score(records).to_dict("records")
    status, out = request(server, "POST", "/indices", json.dumps(records))
    want = sm.indices(records)
    assert status == 200 and out["n"] == 20
    assert [out[c] for c in sm.constructs] == want.iloc[0, :-1].tolist()
    status, out = request(server, "GET", "/model")
    assert status == 200 and out["items"] == list(sm.items)
    assert "/predict" in out["endpoints"]
    status, out = request(server, "POST", "/predict", json.dumps(records[0]))
    assert status == 200 and out == sm.predict(records[0])
    status, out = request(server, "POST", "/predict", json.dumps(records[:5]))
    assert status == 200 and out == sm.predict(records[:5]).to_dict("records")
    status, out = request(server, "POST", "/predict?output=index", json.dumps(records[0]))
    assert status == 200 and out == sm.predict(records[0], output="index")


def test_bad_input_is_422_with_the_csimodel_message(server, model_file):
    _, sm, records = model_file
    bad = dict(records[0], CUSA2=11)
    status, out = request(server, "POST", "/score", json.dumps([records[1], bad]))
    assert status == 422 and out["type"] == "DataError"
    assert "'CUSA2': 1 value(s) outside [1, 10], e.g. 11 in records 1" in out["error"]
    text = json.dumps(records[0]).replace("7", "NaN", 1)
    status, out = request(server, "POST", "/score", text)
    assert status == 422 and "literal NaN" in out["error"]
    status, out = request(server, "POST", "/score", "{not json")
    assert status == 422 and "not valid JSON" in out["error"]
    holes = [records[0], dict(records[1], IMAG1=None)]
    status, out = request(server, "POST", "/score?missing=error", json.dumps(holes))
    assert status == 422 and "Missing answers in 1 record(s): 'IMAG1' (records 1)" in out["error"]
    status, out = request(server, "POST", "/score", json.dumps(holes))
    assert status == 200 and out[1] is None and out[0] == sm.score(records[0])
    status, out = request(server, "POST", "/score?missing=mean", json.dumps(records[0]))
    assert status == 422 and "The 'missing' parameter" in out["error"]
    status, out = request(server, "POST", "/score?by=x", json.dumps(records[0]))
    assert status == 422 and "Unknown query parameter" in out["error"]
    status, out = request(server, "POST", "/score", b"[" + b"7," * 600_000 + b"7]")
    assert status == 413
    status, _ = request(server, "GET", "/score")
    assert status == 405


@pytest.mark.slow
def test_bounded_load_every_answer_exact(server, model_file):
    _, sm, _ = model_file
    loadtest = _load("loadtest")
    n = int(os.environ.get("CSIMODEL_LOAD_REQUESTS", "20000"))
    res = loadtest.run(sm, "127.0.0.1", server, requests=n, clients=4)
    print(f"\nservice load test: {res}")
    assert res.errors == 0
    assert res.mismatches == 0
    assert res.requests == n
