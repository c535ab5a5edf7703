"""htaf_theory.experiments.batched: seeds trained together give each cell the record it gets alone, up to rounding."""
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mnist1d")
pytestmark = pytest.mark.torch

from htaf_theory.experiments.batched import can_batch, run_seed_batch  # noqa: E402
from htaf_theory.experiments.heaviside import HeavisideConfig, run_heaviside_cell  # noqa: E402
from htaf_theory.validation import InvalidParameterError  # noqa: E402


def _cells(**kw):
    base = dict(dataset="mnist1d", net="mlp", method="htaf", a=10.0, b=0.224, epochs=3, width=32, checkpoint_every=0)
    return [HeavisideConfig(**{**base, **kw}, seed=s) for s in range(3)]


@pytest.mark.parametrize("kw", [{}, dict(mode="surrogate"), dict(method="ste", a=None, b=None, surrogate="tanh", slope=4.0)],
                         ids=["htaf", "htaf-surrogate", "ste"])
def test_each_cell_gets_its_own_record_up_to_rounding(kw):
    cells = _cells(**kw)
    alone = [run_heaviside_cell(c) for c in cells]
    together = run_seed_batch(cells)
    for a, b in zip(alone, together):
        assert a["key"] == b["key"] and a["config"] == b["config"]
        ha, hb = a["results"]["history"], b["results"]["history"]
        # the losses agree to float32 rounding (batched matrix products round differently) ...
        assert hb["loss"] == pytest.approx(ha["loss"], rel=1e-5)
        # ... and a deployed network's decisions can flip only where a pre-activation sits within rounding of 0
        for key in ("val_binarized", "test_binarized", "val_smooth", "test_smooth"):
            assert hb[key] == pytest.approx(ha[key], abs=0.01), key


def test_a_wrong_stacking_would_be_caught():
    # the wrong variant: every cell trained from seed 0's initialisation; the first epoch's losses then coincide
    cells = _cells()
    wrong = run_seed_batch([HeavisideConfig(**{**c.to_dict(), "seed": 0, "channels": tuple(c.channels)}) for c in cells[:1]])
    right = run_seed_batch(cells)
    assert right[1]["results"]["history"]["loss"][0] != pytest.approx(wrong[0]["results"]["history"]["loss"][0], rel=1e-6)


def test_only_seeds_of_one_mlp_setting_are_batched():
    cells = _cells()
    assert can_batch(cells)
    assert not can_batch([cells[0], HeavisideConfig(**{**cells[1].to_dict(), "a": 5.0, "channels": (16, 32)})])
    assert not can_batch([HeavisideConfig(**{**c.to_dict(), "net": "conv", "channels": (16, 32)}) for c in cells])
    with pytest.raises(InvalidParameterError, match="differ only in seed"):
        run_seed_batch([cells[0], cells[0]])
