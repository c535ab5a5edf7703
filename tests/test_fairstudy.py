"""htaf_theory.experiments.fairstudy: one width ladder for every family, the matched sigmoid, the plan."""
import pytest

from htaf_theory.experiments import fairstudy as F
from htaf_theory.experiments.sweeps import build_sweep
from htaf_theory.widths import htaf_width, matched_sigmoid_params


def test_every_family_covers_the_same_rungs_on_every_net():
    for net in F.FAIR_NETS:
        for fam in (*F.FAIR_FAMILIES, "matched"):
            cells = F.candidates(net, fam)
            assert sorted({F.rung_of(c) for c in cells}) == list(range(len(F.LADDER))), (net, fam)
            for c in cells:       # settings rounded to 6 digits: the width is the rung's to 1e-5
                assert F.cell_width(c) == pytest.approx(F.LADDER[F.rung_of(c)], rel=1e-5)


def test_the_ladder_is_equal_log_steps_over_two_orders_of_magnitude():
    ratios = [b / a for a, b in zip(F.LADDER, F.LADDER[1:])]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-12) and len(F.LADDER) >= 6
    assert F.LADDER[0] < 0.1 and F.LADDER[-1] == pytest.approx(3.0)


def test_the_matched_sigmoid_of_a_cell_has_its_peak_and_width():
    cell = F.candidates("mlp", "htaf-surrogate")[5]
    m = F.matched_of(cell)
    k, c = matched_sigmoid_params(cell.a, cell.b)
    assert (m.method, m.surrogate, m.seed, m.net) == ("ste", "sigmoid", cell.seed, cell.net)
    assert m.slope == pytest.approx(k, rel=1e-5) and m.amplitude == pytest.approx(c, rel=1e-5)
    assert F.cell_width(m) == pytest.approx(htaf_width(cell.a, cell.b).hwhm, rel=1e-5)
    assert F.fair_family(m) == "matched"


def test_sizes():
    full, budget, quick = (build_sweep("m1dfair", s) for s in ("full", "budget", "quick"))
    assert len(full) == len(F.FAIR_NETS) * len(F.LADDER) * (3 * len(F.GAINS) + 3 + 1)
    assert len(budget) == 5 and set(budget) <= set(full)
    assert {F.fair_family(c) for c in budget} == {"htaf-surrogate", "htaf-smooth", "matched", "ste", "ss"}
    assert all(c.epochs == 2 and c.net == "mlp" for c in quick)


class _Store:
    """A result store that has every stage-1 record, with the validation score a function of the cell."""

    def __init__(self, score):
        self.score = score

    def load(self, cfg):
        return {"config": cfg.to_dict(), "results": {"metric": "accuracy",
                                                     "metrics": {"val_binarized": self.score(cfg)}}}


def test_the_plan_selects_on_seed_0_and_evaluates_on_other_seeds():
    # every family's best is the widest rung: the choice is that candidate, evaluated on the seeds 1-10
    store = _Store(lambda c: F.cell_width(c) + (0.01 if c.method == "htaf" and c.a == 30.0 else 0))
    _, chosen = F.fair_plan(store, "full")
    seeds = {k[-1] for k in chosen}
    assert seeds == set(F.EVAL_SEEDS) and 0 not in seeds
    pick = chosen[("mlp", "htaf-surrogate", 1)]
    assert F.rung_of(pick) == len(F.LADDER) - 1 and pick.a == 30.0
    assert chosen[("mlp", "matched", 3)] == F.matched_of(chosen[("mlp", "htaf-surrogate", 3)])
    deep = [k for k in chosen if k[0] == "deep"]
    assert len(deep) == len(F.DEPTHS) * 2 * 3 * len(F.EVAL_SEEDS)
    assert {chosen[k].depth for k in deep} == set(F.DEPTHS) and {chosen[k].batchnorm for k in deep} == {True, False}
