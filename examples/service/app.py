"""A small scoring service: respondents in as JSON, 0-100 scores out (Starlette, ASGI).

The model file is loaded once at start-up; every request is scored with
``ScoringModel.score_json`` / ``indices_json`` (no pandas on the request path). Bad input
gets HTTP 422 with csimodel's message, which names the item and the record.

Run (needs the optional extra: ``pip install "csimodel[service]"``)::

    python app.py model.json --port 8000
    # or, with any ASGI server:
    CSIMODEL_MODEL=model.json uvicorn --factory app:create_app --port 8000

Endpoints:

* ``POST /score``    body: one respondent ``{"IMAG1": 7, ...}`` -> ``{"Image": 71.2, ...}``;
  or an array of them -> an array of score objects (``null`` for a record left out by
  ``?missing=listwise`` because of a missing answer). Query: ``missing=listwise|error``.
* ``POST /indices``  body as ``/score`` -> ``{"Image": 70.4, ..., "n": 250}``; with
  ``?by=company`` an array with one object per segment. Query: ``by`` (repeatable),
  ``weights``, ``missing``.
* ``POST /predict``  body as ``/score`` (the driver items suffice) -> predicted
  scores of the endogenous constructs from the driver items. Query: ``output=scores|items|index``
  (``index``: predicted 0-100 values), ``missing``.
* ``GET /model``     items, constructs, scales and versions of the loaded model.

Errors: 422 ``{"error": "<csimodel message>", "type": "DataError"}`` for bad JSON or bad
answers; 413 for a body above ``CSIMODEL_MAX_BODY`` bytes (default 1 MiB); 405 for a wrong
method.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import csimodel as cm

MAX_BODY = int(os.environ.get("CSIMODEL_MAX_BODY", 1024 * 1024))
SMALL_BODY = 64 * 1024  # scored on the event loop (microseconds); larger bodies in a thread
QUERY = {
    "/score": {"missing"},
    "/indices": {"missing", "by", "weights"},
    "/predict": {"missing", "output"},
}


def _error(message: str, kind: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message, "type": kind}, status_code=status)


async def _body(request: Request, max_body: int) -> bytes | None:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > max_body):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_body:
            return None
    return bytes(body)


def _kwargs(request: Request) -> dict[str, Any]:
    q = request.query_params
    unknown = sorted(set(q) - QUERY[request.url.path])
    if unknown:
        raise cm.DataError(
            f"Unknown query parameter(s) {unknown} for {request.url.path}; "
            f"allowed: {sorted(QUERY[request.url.path])}."
        )
    kw: dict[str, Any] = {}
    if "missing" in q:
        kw["missing"] = q["missing"]
    if "by" in q:
        by = q.getlist("by")
        kw["by"] = by[0] if len(by) == 1 else by
    if "weights" in q:
        kw["weights"] = q["weights"]
    if "output" in q:  # /predict: scores (default), items or index (0-100)
        kw["output"] = q["output"]
    return kw


def _endpoint(fn: Callable[..., str], max_body: int):
    async def endpoint(request: Request) -> Response:
        body = await _body(request, max_body)
        if body is None:
            return _error(f"The request body is larger than {max_body} bytes.", "TooLarge", 413)
        try:
            kw = _kwargs(request)
            if len(body) <= SMALL_BODY:
                text = fn(body, **kw)
            else:
                text = await run_in_threadpool(fn, body, **kw)
        except cm.CsimodelError as e:
            return _error(str(e), type(e).__name__, 422)
        return Response(text, media_type="application/json")

    return endpoint


def create_app(model_path: str | None = None, *, max_body: int = MAX_BODY) -> Starlette:
    """The ASGI app scoring with the model file ``model_path`` (or ``$CSIMODEL_MODEL``)."""
    path = model_path or os.environ.get("CSIMODEL_MODEL")
    if not path:
        raise SystemExit("Give the model file: create_app('model.json') or CSIMODEL_MODEL=...")
    sm = cm.load_model(path)
    info = {
        "items": list(sm.items),
        "constructs": list(sm.constructs),
        "scale_low": sm.scale_low.tolist(),
        "scale_high": sm.scale_high.tolist(),
        "model_csimodel_version": sm.csimodel_version,
        "csimodel_version": cm.__version__,
        "endpoints": ["/score", "/indices"],
    }

    async def model(request: Request) -> Response:
        return JSONResponse(info)

    routes = [
        Route("/score", _endpoint(sm.score_json, max_body), methods=["POST"]),
        Route("/indices", _endpoint(sm.indices_json, max_body), methods=["POST"]),
        Route("/model", model, methods=["GET"]),
    ]
    predict_json = getattr(sm, "predict_json", None)
    if predict_json is not None:
        routes.append(Route("/predict", _endpoint(predict_json, max_body), methods=["POST"]))
        info["endpoints"].append("/predict")
    return Starlette(routes=routes)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    ap = argparse.ArgumentParser(description="Serve a csimodel model file over HTTP.")
    ap.add_argument("model", help="model file written by ScoringModel.save()")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args(argv)
    uvicorn.run(create_app(args.model), host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main(sys.argv[1:])
