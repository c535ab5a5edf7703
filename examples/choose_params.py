"""Choose (a, b) for a tolerance eps outside [-delta, delta], then plot h and h' (and the matched sigmoid's h').

    python examples/choose_params.py [OUTPUT_FOLDER]

Writes choose_params.png (default: the current folder) and prints the pair with what it guarantees.
"""
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from htaf_theory import htaf, htaf_grad, scaled_sigmoid_grad
from htaf_theory.params import approx_error, select
from htaf_theory.widths import htaf_width, matched_sigmoid_params

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
p = select(eps=0.1, delta=1.0, a=10.0)          # b = min_b(10, 0.1, 1): |h - H| <= 0.1 for |x| >= 1
width = htaf_width(p.a, p.b)
k, c = matched_sigmoid_params(p.a, p.b)
print(f"a = {p.a!r}, b = {p.b!r}: sup_(|x| >= 1) |h - H| = {float(approx_error(p.a, p.b, 1.0)):.4f} <= 0.1")
print(f"h' peak {width.peak:.4f}, half-width at half maximum {width.hwhm:.4f}; matched sigmoid: slope {k:.4f}, "
      f"amplitude {c:.4f}")

x = np.linspace(-6, 6, 1201)
fig = Figure(figsize=(9, 3.5))
left, right = fig.subplots(1, 2)
left.plot(x, htaf(x, p.a, p.b), label=f"h, a={p.a:g}, b={p.b:.4g}")
left.plot(x, np.heaviside(x, 1.0), "k:", label="step H")
left.set(xlabel="x", title="HTAF and the step")
right.semilogy(x, htaf_grad(x, p.a, p.b), label="h'")
right.semilogy(x, c * scaled_sigmoid_grad(x, k), "--", label="matched sigmoid (same peak and HWHM)")
right.set(xlabel="x", ylim=(1e-8, 1), title="h' keeps a heavier tail")
for ax in (left, right):
    ax.legend(fontsize=7)
fig.tight_layout()
out.mkdir(parents=True, exist_ok=True)
fig.savefig(out / "choose_params.png", dpi=100)
print(f"wrote {out / 'choose_params.png'}")
