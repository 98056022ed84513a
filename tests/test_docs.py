"""The documentation builds without warnings, and the code in its pages runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import csimodel

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
ENV = {**os.environ, "PYTHONPATH": str(Path(csimodel.__file__).parents[1]), "MPLBACKEND": "Agg"}
# pages whose code is a complete walk-through (reference pages show fragments)
PAGES = sorted(
    [*DOCS.glob("guides/*.md"), *DOCS.glob("gallery/*.md"), DOCS / "report.md", DOCS / "survey.md"]
)


@pytest.mark.slow
def test_sphinx_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("myst_parser")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(DOCS),
            str(tmp_path / "html"),
            "-d",
            str(tmp_path / "doctrees"),
        ],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    for page in ("contents.html", "api.html", "index.html", "cli.html"):
        assert (tmp_path / "html" / page).exists(), page
    api = (tmp_path / "html" / "api.html").read_text(encoding="utf-8")
    for name in csimodel.__all__:
        if name[0].isupper() and name != "PreparedData" or name in ("assess", "prepare"):
            assert f"csimodel.{name}" in api, f"{name} missing from the API reference"


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S)


@pytest.mark.filterwarnings("ignore::csimodel.exceptions.CsimodelWarning")
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_code_runs(page, tmp_path, monkeypatch):
    """Every ```python block of a page runs, in order, in one namespace (as a reader would)."""
    import matplotlib

    text = page.read_text(encoding="utf-8")
    need = re.match(r"<!-- requires: (\w+) -->", text)
    if need and not hasattr(csimodel, need.group(1)):
        pytest.skip(f"csimodel.{need.group(1)} is not in this version")
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "__docs__"}
    for i, block in enumerate(python_blocks(page)):
        try:
            exec(compile(block, f"{page.name}[block {i}]", "exec"), ns)
        except Exception as e:  # pragma: no cover - the message is the point
            raise AssertionError(f"{page.name}, code block {i} failed: {e!r}\n{block}") from e
