"""Sphinx configuration of the one docs site: the Markdown guides (myst-parser) beside the API reference.

Build: ``sphinx-build -W -b html docs <out>`` (tests/test_docs.py builds it with warnings as errors). The API
reference (docs/api) is generated from the numpydoc docstrings (napoleon); they write math in plain text (|x|,
|h - H|), so bars are escaped before reST reads them. Links to numpy, torch, sympy and mpmath (intersphinx) need
their inventories from the web; HTAF_DOCS_OFFLINE=1 builds without them (as the tests do).
"""
import os
from importlib.metadata import version as _version

project = "htaf-theory"
release = _version("htaf-theory")
version = ".".join(release.split(".")[:2])
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.intersphinx", "sphinx.ext.viewcode"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
intersphinx_mapping = {} if os.environ.get("HTAF_DOCS_OFFLINE") else {
    "python": ("https://docs.python.org/3", None), "numpy": ("https://numpy.org/doc/stable", None),
    "torch": ("https://pytorch.org/docs/stable", None), "sympy": ("https://docs.sympy.org/latest", None),
    "mpmath": ("https://mpmath.org/doc/current", None)}
myst_heading_anchors = 3
# the guides link to files of the repository (scripts, tests, README) that are not pages of the site
suppress_warnings = ["myst.xref_missing"]
napoleon_numpy_docstring = True
napoleon_google_docstring = False
autodoc_default_options = {"members": True}   # no undoc-members: an entry without a doc is not shown
# a class's page shows its own docstrings, not torch.nn.Module's forward/extra_repr boilerplate
autodoc_inherit_docstrings = False
exclude_patterns = ["_build"]
html_theme = "alabaster"


def _plain_math(app, what, name, obj, options, lines):
    # a bar in a docstring is math (|x|), never a reST substitution reference
    lines[:] = [line.replace("|", "\\|") for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _plain_math)
