"""Worst-case accuracy of every public float function against 50-digit mpmath (the reference table).

Each line: the worst err / (rtol max(1, kappa)) over the function's domain (<= 1 passes), where it occurs.
Run: python benchmarks/accuracy_core.py
"""
from htaf_theory.accuracy import measure_all

if __name__ == "__main__":
    results = measure_all()
    for result in results:
        print(result)
    print(f"{sum(r.ok for r in results)}/{len(results)} functions within their stated accuracy")
