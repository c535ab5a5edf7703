"""Worst-case accuracy of the float64 core against 50-digit mpmath (issue 2's target: 1e-13 * max(1, kappa)).

Run: python benchmarks/accuracy_core.py
"""
from htaf_theory.accuracy import measure

if __name__ == "__main__":
    for name in ("htaf", "htaf_complement", "htaf_grad"):
        result = measure(name)
        print(result, "" if not result.failures else f"  FAILURES: {len(result.failures)}")
