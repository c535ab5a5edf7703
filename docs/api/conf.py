"""Sphinx configuration of the API reference (``sphinx-build -W -b html docs/api <out>``; built by tests/test_docs.py).

The reference is generated from the numpydoc docstrings (napoleon). The docstrings write math in plain text
(|x|, |h - H|), so bars are escaped before reST reads them.
"""
project = "htaf-theory"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
napoleon_numpy_docstring = True
napoleon_google_docstring = False
autodoc_default_options = {"members": True, "undoc-members": False}
# a class's page shows its own docstrings, not torch.nn.Module's forward/extra_repr boilerplate
autodoc_inherit_docstrings = False
exclude_patterns = ["_build"]
html_theme = "alabaster"


def _plain_math(app, what, name, obj, options, lines):
    # a bar in a docstring is math (|x|), never a reST substitution reference
    lines[:] = [line.replace("|", "\\|") for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _plain_math)
