"""One module per numbered result of the paper (plus ``library``): each defines ``CLAIM`` (statement, location,
checks), ``ORDER`` (its place in the paper's numbering), ``WRONG`` (a deliberately wrong variant its checks must
reject, or None when nothing is checkable) and, for inequalities certified rigorously, ``CERTIFIED``.

``proofs_check.registry.discover`` imports every module here; adding a claim means adding one file.
"""
