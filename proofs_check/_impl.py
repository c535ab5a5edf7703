"""The library functions the checks test, gathered so a test can swap one for a wrong variant
(``htaf_theory.accuracy.library_functions``, under the name the claims use)."""
from htaf_theory.accuracy import library_functions as library_impl

__all__ = ["library_impl"]
