"""Sphinx configuration of the csimodel documentation (build: sphinx-build -W -b html docs out)."""

import os
import sys
from pathlib import Path

# document the source tree next to this folder (no install needed)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("MPLBACKEND", "Agg")

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
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "img/README.md"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

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
