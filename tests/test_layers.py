"""The import-linter layer contract (pyproject.toml) holds, and it would catch a violation.

The contract is the architecture's guard: CLI > presentation/io > consumers > estimators >
results > layout/numeric > data door/spec > base. These tests run ``lint-imports`` on the
source tree beside this file, then on a copy with one forbidden import planted, which must fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

pytestmark = pytest.mark.skipif(
    shutil.which("lint-imports") is None
    and not (Path(sys.executable).parent / "lint-imports").exists(),
    reason="import-linter is not installed (it is in the 'test' extra)",
)


def _lint(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "lint-imports"
    cmd = [str(exe) if exe.exists() else "lint-imports", "--config", str(config), "--no-cache"]
    env = dict(os.environ, PYTHONPATH=str(src))
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=src.parent, timeout=120)


def test_contract_is_kept() -> None:
    out = _lint(SRC, ROOT / "pyproject.toml")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        # results must not reach back into an estimator (estimators build results, not the reverse)
        ("results/pls.py", "from ..estimators import pls as _x  # noqa\n", "One-way layers"),
        # the layout sits below results: importing a result class from it is an upward arrow
        ("layout.py", "from .results import pls as _x  # noqa\n", "One-way layers"),
        # a numeric layer importing matplotlib at module level
        ("moments.py", "import matplotlib as _mpl  # noqa\n", "never import matplotlib"),
        # a consumer importing an estimator's internals
        ("ipa/ipma.py", "from ..estimators import _cbsem_engine as _x  # noqa\n", "internals"),
    ],
)
def test_contract_catches_a_forbidden_import(
    tmp_path: Path, module: str, planted: str, contract: str
) -> None:
    src = tmp_path / "src"
    shutil.copytree(
        SRC / "csimodel", src / "csimodel", ignore=shutil.ignore_patterns("__pycache__")
    )
    target = src / "csimodel" / module
    text = target.read_text()
    marker = "from __future__ import annotations\n"
    text = text.replace(marker, marker + planted, 1) if marker in text else planted + text
    target.write_text(text)
    config = tmp_path / "pyproject.toml"
    shutil.copy(ROOT / "pyproject.toml", config)
    out = _lint(src, config)
    assert out.returncode != 0, out.stdout
    broken = out.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, out.stdout


def test_every_private_estimator_module_is_forbidden_to_consumers() -> None:
    """The 'no estimator internals' contract lists every estimators/_*.py module (new ones too)."""
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    forbidden = next(c for c in contracts if c["id"] == "no-estimator-internals")
    listed = set(forbidden["forbidden_modules"])
    private = {
        f"csimodel.estimators.{p.stem}"
        for p in (SRC / "csimodel" / "estimators").glob("_*.py")
        if p.stem != "__init__"
    }
    assert private <= listed, f"add to the contract: {sorted(private - listed)}"
