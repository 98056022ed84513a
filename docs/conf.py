"""Sphinx configuration of the csimodel docs (build: sphinx-build -W -b html docs docs/_build/html).

The notebooks of ``notebooks/`` are linked into ``docs/notebooks/`` and executed by myst-nb
during the build (they are stored without outputs), so the site shows their tables and plots.
myst-nb writes the executed notebooks and their images next to the output folder
(``docs/_build/jupyter_execute`` for the command above).
"""

import os
import sys
from pathlib import Path

# document the source tree next to this folder (no install needed)
SRC = str(Path(__file__).resolve().parents[1] / "src")
sys.path.insert(0, SRC)
# this process draws nothing on screen; the notebook kernels (child processes) import the same
# source tree and draw inline, so their figures are captured as cell outputs
os.environ["MPLBACKEND"] = "Agg"
import matplotlib  # noqa: E402

matplotlib.use("Agg")
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)

import csimodel  # noqa: E402

project = "csimodel"
author = "csimodel developers"
copyright = "csimodel developers"
release = csimodel.__version__
version = csimodel.__version__

root_doc = "contents"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_nb",  # MyST markdown pages (myst-parser) and executed notebooks
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = [
    "_build",
    "jupyter_execute",
    ".jupyter_cache",
    "**.ipynb_checkpoints",
    "img/README.md",
]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# notebooks: executed on every build (outputs are never stored), in a temporary folder so
# the files they write stay out of the source tree; a failing cell fails the build
nb_execution_mode = "force"
nb_execution_in_temp = True
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# offline build: no inventories are fetched
intersphinx_mapping: dict = {}

html_theme = "alabaster"
html_title = f"csimodel {release}"
html_static_path: list = []
html_theme_options = {
    "description": "Customer-satisfaction index modelling in Python",
    "page_width": "1180px",
    "sidebar_width": "230px",
}
