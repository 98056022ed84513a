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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The Sphinx site built once (notebooks executed by myst-nb): (returncode, log, html dir)."""
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("myst_nb")
    pytest.importorskip("ipykernel")
    out = tmp_path_factory.mktemp("site")
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
            str(out / "html"),
            "-d",
            str(out / "doctrees"),
        ],
        capture_output=True,
        text=True,
        env=ENV,
    )
    return r.returncode, r.stdout + r.stderr, out / "html"


@pytest.mark.slow
def test_sphinx_build_without_warnings(site):
    code, log, html = site
    assert code == 0, log
    for page in ("contents.html", "api.html", "index.html", "cli.html", "conventions.html"):
        assert (html / page).exists(), page
    api = (html / "api.html").read_text(encoding="utf-8")
    for name in csimodel.__all__:
        if name[0].isupper() and name != "PreparedData" or name in ("assess", "prepare"):
            assert f"csimodel.{name}" in api, f"{name} missing from the API reference"


NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
def test_notebooks_rendered_with_outputs_and_figures(site):
    """Every notebook is in the toctree, executed, and its outputs (incl. figures) are in the page."""
    code, log, html = site
    assert code == 0, log
    assert sorted(p.stem for p in (DOCS / "notebooks").glob("*.ipynb")) == NOTEBOOKS, (
        "link every notebook into docs/notebooks/ (ln -s ../../notebooks/NAME.ipynb docs/notebooks/)"
    )
    index = (html / "notebooks.html").read_text(encoding="utf-8")
    for name in NOTEBOOKS:
        assert f'href="notebooks/{name}.html"' in index, f"{name} missing from the toctree"
        page = (html / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert 'class="cell_output' in page, f"{name}: no cell outputs in the page"
        assert "output traceback" not in page, f"{name}: a cell raised"
    quick = (html / "notebooks" / "01_quickstart_ecsi.html").read_text(encoding="utf-8")
    assert "used 250 of 250 respondents" in quick  # a printed output
    assert "csimodel-summary" in quick  # res.summary()'s HTML repr
    # matplotlib figures drawn in cells: <img> of a PNG written by the build
    for name, n_figures in (("02_acsi_index_by_segment", 1), ("03_ipma_with_plots", 4)):
        page = (html / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        srcs = re.findall(r'<img[^>]+src="\.\./(_images/[0-9a-f]{16,}\.png)"', page)
        assert len(srcs) == n_figures, (name, srcs)
        for src in srcs:
            png = (html / src).read_bytes()
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


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
