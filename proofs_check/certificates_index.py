"""The rigorous certificates: how to rebuild each (search) and how to re-check it (replay)."""
from __future__ import annotations

from . import fig2, prop31, thm32
from .rigorous import CERT_DIR, Certificate, replay

#: certificate name -> (spec giving (margin, tight)) for replay
SPECS = {
    "prop31_suff": lambda: prop31.suff_rigorous_spec(),
    "prop31_sharp": lambda: prop31.sharp_rigorous_spec(),
    "thm32a_tail_lower": lambda: thm32.tail_spec("lower"),
    "thm32a_tail_upper": lambda: thm32.tail_spec("upper"),
    "thm32b_max": lambda: thm32.max_spec(),
    "fig2_limit": lambda: (fig2.margin, None),
}


def save_all() -> None:
    """Re-run every rigorous search with saving on."""
    prop31.suff_rigorous(save=True)
    prop31.sharp_rigorous(save=True)
    thm32.tail_rigorous(save=True)
    thm32.b_rigorous(save=True)
    fig2.rigorous(save=True)


def replay_all() -> dict[str, bool]:
    """Replay every saved certificate; name -> holds."""
    out = {}
    for name, spec in SPECS.items():
        path = CERT_DIR / f"{name}.json"
        cert = Certificate.load(path)
        margin, tight = spec()
        out[name] = replay(cert, margin, tight)
    return out
