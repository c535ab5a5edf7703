"""App. B.3, Thm B.3: the near-minimax rate (not checkable by computation; the reason is in the claim)."""

from __future__ import annotations

from ..registry import Claim

ORDER = (11, 3, 0)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


CLAIM = Claim("thmB.3", "HTAF networks reach the near-minimax rate n^{-2 beta/(2 beta + d)} (up to logs) for "
               "beta-Holder regression", "App. B.3, Thm B.3", "beta-Holder target, n samples, d dimensions",
               not_checkable="an asymptotic rate over all estimators cannot be checked by computation; a small simulation "
                             "of the risk against n is the planned 'htaf experiment b3rate' (not built yet).")


WRONG = None
