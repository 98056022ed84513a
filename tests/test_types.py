"""The package type-checks with mypy (configuration in pyproject.toml, no module ignored).

Public callables in ``csimodel.__all__`` carry full annotations (checked here by inspection,
independently of mypy's own inference).
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import csimodel as cm

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_passes(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(tmp_path / "mypy_cache"), str(ROOT / "src" / "csimodel")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def _public_callables() -> list[tuple[str, object]]:
    out = []
    for name in cm.__all__:
        obj = getattr(cm, name)
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                continue
            # the public methods a user calls on the class
            for meth_name, meth in vars(obj).items():
                if meth_name.startswith("_") and meth_name != "__init__":
                    continue
                if inspect.isfunction(meth):
                    out.append((f"{name}.{meth_name}", meth))
        elif inspect.isfunction(obj):
            out.append((name, obj))
    return out


@pytest.mark.parametrize(
    ("name", "func"), _public_callables(), ids=[n for n, _ in _public_callables()]
)
def test_public_callables_are_annotated(name: str, func) -> None:
    sig = inspect.signature(func)
    missing = [
        p.name
        for p in sig.parameters.values()
        if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty
    ]
    assert not missing, f"{name}: parameters without annotation: {missing}"
    if func.__name__ != "__init__":
        assert sig.return_annotation is not inspect.Signature.empty, f"{name}: no return annotation"
