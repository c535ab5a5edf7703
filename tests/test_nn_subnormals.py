"""Tests for htaf_theory.nn.subnormals: flushing reaches every torch thread, and the setting is restored."""
import pytest

torch = pytest.importorskip("torch")

from htaf_theory.nn.subnormals import flush_is_on, flushing_denormals, set_flush_denormal  # noqa: E402

SIZE = 1 << 21          # far above at::parallel_for's grain: every pool thread gets a share


def _kept_subnormals() -> int:
    """How many products 1e-20 * 1e-20 (subnormal in float32) survive, computed by all of torch's threads."""
    z = torch.full((SIZE,), 1e-20)
    return int((z * z != 0).sum())


@pytest.fixture
def two_threads_started_unflushed():
    try:   # scikit-learn's wheel loads a second libgomp with its own thread pool: the one to reach is torch's
        import sklearn.utils._openmp_helpers  # noqa: F401
    except ImportError:
        pass
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    set_flush_denormal(False)
    torch.randn(SIZE).exp()                      # the OpenMP threads exist now, created without flushing
    yield
    set_flush_denormal(False)
    torch.set_num_threads(threads)


def test_flushing_reaches_threads_that_already_exist(two_threads_started_unflushed):
    assert _kept_subnormals() == SIZE
    with flushing_denormals() as supported:
        if not supported:
            pytest.skip("this CPU cannot flush subnormals")
        assert _kept_subnormals() == 0 and flush_is_on()
    assert _kept_subnormals() == SIZE and not flush_is_on()


def test_the_calling_thread_alone_is_not_enough(two_threads_started_unflushed):
    # the wrong variant (what torch.set_flush_denormal does, and what this module did before): other threads keep
    # their subnormals, so the test above can fail
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU cannot flush subnormals")
    assert 0 < _kept_subnormals() < SIZE


def test_the_previous_setting_is_restored_also_after_an_error(two_threads_started_unflushed):
    if not set_flush_denormal(True):
        pytest.skip("this CPU cannot flush subnormals")
    with pytest.raises(RuntimeError), flushing_denormals():
        raise RuntimeError
    assert flush_is_on() and _kept_subnormals() == 0       # on before, on after
    set_flush_denormal(False)
    with pytest.raises(RuntimeError), flushing_denormals():
        raise RuntimeError
    assert not flush_is_on() and _kept_subnormals() == SIZE
