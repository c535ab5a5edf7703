"""Tests for benchmarks/throughput.py: the matmul yardstick of the benchmark scripts."""
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from throughput import epoch_matmuls, matmul_gflops  # noqa: E402


def test_epoch_matmuls_count_the_flops_of_one_epoch():
    # the FLOPs of a real epoch's matmuls, counted by torch's FLOP counter, forward and backward
    from torch.utils.flop_counter import FlopCounterMode
    n, widths = 50, [3, 8, 4, 1]
    layers = [torch.nn.Linear(i, o, bias=False) for i, o in zip(widths[:-1], widths[1:])]
    x = torch.randn(n, widths[0])
    with FlopCounterMode(display=False) as counter:
        out = x
        for layer in layers:
            out = torch.tanh(layer(out))
        out.sum().backward()
    assert sum(2 * m * k * p for m, k, p in epoch_matmuls(n, widths)) == counter.get_total_flops()
    # a wrong variant that also counts the first layer's input gradient is off
    assert sum(2 * m * k * p for m, k, p in epoch_matmuls(n, widths)) + 2 * n * widths[1] * widths[0] != \
        counter.get_total_flops()


def test_matmul_gflops_is_a_positive_rate_and_leaves_the_global_random_state():
    torch.manual_seed(1)
    expected = torch.rand(3)
    torch.manual_seed(1)
    assert matmul_gflops(epoch_matmuls(64, [8, 16, 1]), repeats=3) > 0
    assert torch.equal(torch.rand(3), expected)
