"""Second derivatives through the torch layer (htaf_theory.nn.functional): exact where the backward is
differentiable (``backward="double"``, or x saved), a clear error everywhere else, never a silently cut graph."""
import mpmath as mp
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory import nn as hnn  # noqa: E402
from htaf_theory.precise import htaf_grad2_mp  # noqa: E402

POINTS = [0.3, -2.0, 0.0, 1e-3, 4.0, -9.5]
GAINS = [(5.0, 1.5), (11.0, 2.0), (0.5, 0.2), (50.0, 3.0)]


def _x(values=POINTS):
    return torch.tensor(values, dtype=torch.float64)


@pytest.mark.parametrize("a, b", GAINS)
def test_hessian_diagonal_is_the_mpmath_second_derivative(a, b):
    hess = torch.autograd.functional.hessian(lambda x: hnn.htaf(x, a, b, backward="double").sum(), _x())
    assert torch.count_nonzero(hess - torch.diag(torch.diagonal(hess))) == 0
    for v, got in zip(POINTS, torch.diagonal(hess).tolist()):
        want = float(htaf_grad2_mp(v, a, b))
        assert got == pytest.approx(want, rel=1e-12, abs=1e-300), (a, b, v)


def test_a_wrong_second_derivative_would_be_caught():
    # the reported failure: a graph cut at HTAF gives zeros; the check above compares values, so zeros fail it
    want = [float(htaf_grad2_mp(v, 5.0, 1.5)) for v in (0.3, -2.0)]
    assert want[0] != pytest.approx(0.0, abs=1e-3) and want[1] != pytest.approx(0.0, abs=1e-5)


def test_gradgradcheck_in_x_and_both_gains():
    x = _x([0.3, -2.0, 1.1]).requires_grad_()
    a = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    for backward in ("exact", "double"):      # learnable gains keep x in both modes
        assert torch.autograd.gradgradcheck(lambda x, a, b, backward=backward: hnn.htaf(x, a, b, backward=backward), (x, a, b))
    assert torch.autograd.gradgradcheck(lambda x: hnn.htaf(x, 5.0, 1.5, backward="double"), (x,))
    assert torch.autograd.gradgradcheck(lambda x: hnn.scaled_sigmoid(x, 3.0, backward="double"), (x,))


def test_gradient_penalty_through_htaf_is_exact():
    x = _x([0.3, -2.0]).requires_grad_()
    (g,) = torch.autograd.grad(hnn.htaf(x, 5.0, 1.5, backward="double").sum(), x, create_graph=True)
    (penalty_grad,) = torch.autograd.grad((g**2).sum(), x)
    # d/dx h'(x)^2 = 2 h' h''
    from htaf_theory.precise import htaf_grad_mp
    want = [float(2 * htaf_grad_mp(v, 5, 1.5) * htaf_grad2_mp(v, 5, 1.5)) for v in (0.3, -2.0)]
    assert penalty_grad.tolist() == pytest.approx(want, rel=1e-12)


def test_second_derivative_in_the_float32_tail_is_not_zero():
    x = torch.tensor([12.0, -15.0], requires_grad=True)
    (g,) = torch.autograd.grad(hnn.htaf(x, 11.0, 2.0, backward="double").sum(), x, create_graph=True)
    (h2,) = torch.autograd.grad(g.sum(), x)
    with mp.workdps(50):
        want = [float(htaf_grad2_mp(v, 11, 2)) for v in (12.0, -15.0)]
    assert all(w != 0 for w in want)
    assert h2.tolist() == pytest.approx(want, rel=1e-4)


@pytest.mark.parametrize("make", [
    lambda x: hnn.htaf(x, 5.0, 1.5),
    lambda x: hnn.scaled_sigmoid(x, 3.0),
    lambda x: hnn.heaviside_ste(x),
    lambda x: hnn.heaviside_ste(x, surrogate="rect"),
    lambda x: hnn.heaviside_htaf_grad(x, 5.0, 1.5),
    lambda x: hnn.HTAF(5.0, 1.5)(x),
    lambda x: hnn.ScaledSigmoid(3.0)(x),
], ids=["htaf", "scaled_sigmoid", "ste-sigmoid", "ste-rect", "step-htaf-grad", "HTAF", "ScaledSigmoid"])
def test_every_first_order_backward_refuses_a_second_derivative(make):
    x = _x([0.3, -2.0])
    with pytest.raises(RuntimeError, match="create_graph"):
        torch.autograd.functional.hessian(lambda v: make(v).sum(), x)


def test_modules_pass_backward_double_through():
    assert "backward='double'" in repr(hnn.HTAF(5.0, 1.5, backward="double"))
    assert "backward='double'" in repr(hnn.ScaledSigmoid(3.0, backward="double"))
    hess = torch.autograd.functional.hessian(lambda v: hnn.ScaledSigmoid(3.0, backward="double")(v).sum(), _x([0.2]))
    s = 1 / (1 + mp.exp(-0.6))
    assert float(hess[0, 0]) == pytest.approx(float(9 * s * (1 - s) * (1 - 2 * s)), rel=1e-12)
    with pytest.raises(ValueError, match="backward"):
        hnn.ScaledSigmoid(3.0, backward="autograd")


def test_first_order_results_are_unchanged_by_double():
    x = torch.linspace(-20, 20, 4001, dtype=torch.float32, requires_grad=True)
    grads = []
    for backward in ("exact", "double"):
        (g,) = torch.autograd.grad(hnn.htaf(x, 11.0, 2.0, backward=backward).sum(), x)
        grads.append(g)
    torch.testing.assert_close(grads[0], grads[1], rtol=4e-6, atol=0)


def _mp_grad2(x, a, b):
    with mp.workdps(200):      # the exact value, also where float64 cannot hold the intermediate products
        return float(htaf_grad2_mp(x, a, b, dps=200))


# x from the subnormals to the tails, both signs: the differentiable backward's factors have derivatives that do not
# cancel near 0 (h'' was 0 at |x| <= 1e-30 and 32% off at 1e-8 in float32) and stay exact in the tails
_TINY_TO_TAIL = [1e-300, 1e-40, 1e-30, 1e-10, 1e-8, 1e-6, 1e-4, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0]


@pytest.mark.parametrize("dtype, rtol", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
@pytest.mark.parametrize("a, b", [(7.03, 3.24), (2.0, 11.0), (50.0, 0.2)])
def test_double_backward_is_exact_from_the_subnormals_to_the_tails(dtype, rtol, a, b):
    info = torch.finfo(dtype)
    xs = [s * v for v in _TINY_TO_TAIL for s in (1, -1) if v >= info.tiny * 1e-3]
    x = torch.tensor(xs, dtype=dtype, requires_grad=True)
    (g,) = torch.autograd.grad(hnn.htaf(x, a, b, backward="double").sum(), x, create_graph=True)
    (h2,) = torch.autograd.grad(g.sum(), x)
    for v, got in zip(xs, h2.tolist()):
        want = _mp_grad2(v, a, b)
        if abs(want) < info.tiny:          # below the dtype's normal range only the sign and size class count
            assert abs(got) <= 2 * info.tiny, (v, got, want)
        else:
            assert got == pytest.approx(want, rel=rtol), (dtype, a, b, v, got, want)


def test_the_hessian_near_zero_is_not_the_cancelled_one():
    # the reported instance: -1.086e-5 from the cancelling backward, -1.597e-5 exactly
    got = torch.autograd.functional.hessian(lambda v: hnn.htaf(v, 7.03, 3.24, backward="double").sum(),
                                            torch.tensor([1e-8]))
    assert float(got) == pytest.approx(_mp_grad2(1e-8, 7.03, 3.24), rel=1e-5)
    assert float(got) != pytest.approx(-1.086e-5, rel=1e-2)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("x0", [1e-10, 1e-30, 0.05, 3.0])
def test_scaled_sigmoid_double_backward_near_zero(dtype, x0):
    gamma = 5.0
    x = torch.tensor([x0], dtype=dtype, requires_grad=True)
    (g,) = torch.autograd.grad(hnn.scaled_sigmoid(x, gamma, backward="double").sum(), x, create_graph=True)
    (h2,) = torch.autograd.grad(g.sum(), x)
    with mp.workdps(60):
        z = mp.mpf(gamma) * mp.mpf(x0)
        want = float(gamma ** 2 * mp.diff(lambda t: 1 / (1 + mp.exp(-t)), z, 2))
    assert float(h2) == pytest.approx(want, rel=1e-5 if dtype == torch.float32 else 1e-12)


@pytest.mark.slow
def test_compiled_double_backward_matches_eager():
    # torch.compile of backward="double": first and second derivatives equal the eager ones exactly
    f = torch.compile(lambda v: hnn.htaf(v, 7.0, 3.0, backward="double"))
    x = torch.randn(8, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    xe = x.detach().clone().requires_grad_(True)
    (ge,) = torch.autograd.grad(hnn.htaf(xe, 7.0, 3.0, backward="double").sum(), xe, create_graph=True)
    (he,) = torch.autograd.grad(ge.sum(), xe)
    torch.testing.assert_close(g, ge, rtol=0, atol=0)
    torch.testing.assert_close(h, he, rtol=1e-15, atol=0)