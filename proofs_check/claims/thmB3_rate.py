"""App. B.3, Thm B.3: the near-minimax rate (not checkable by computation; the reason is in the claim)."""

from __future__ import annotations

from ..registry import Claim

ORDER = (11, 3, 0)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


CLAIM = Claim("thmB.3", "HTAF networks reach the near-minimax rate n^{-2 beta/(2 beta + d)} (up to logs) for "
               "beta-Holder regression", "App. B.3, Thm B.3", "beta-Holder target, n samples, d dimensions",
               not_checkable="an asymptotic rate over all estimators cannot be checked by computation. A small simulation, "
                             "`htaf experiment b3rate` (not part of this check), shows what one estimator does: an HTAF MLP "
                             "(width 64 x 2, a=7.03, b=3.24, 3000 Adam steps) on f(x) = |x - 1/2|^0.5, d = 1, noise 0.3, "
                             "n = 125..4000, 3 seeds: fitted slope of log excess risk vs log n -0.15 (docs/reproduction.md's "
                             "table) against the rate's "
                             "-0.50; the risk plateaus near 7.5e-3 from n = 1000 on, so approximation and optimisation "
                             "error, not the statistical rate, dominate at a fixed width.")


WRONG = None
