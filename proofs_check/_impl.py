"""The library functions the checks test, gathered so a test can swap one for a wrong variant."""
from __future__ import annotations

from types import SimpleNamespace

from htaf_theory import core, params, tails


def library_impl(**overrides) -> SimpleNamespace:
    """A namespace of the library's functions; keyword arguments replace some of them."""
    impl = SimpleNamespace(
        htaf=core.htaf, htaf_complement=core.htaf_complement, htaf_grad=core.htaf_grad, htaf_grad2=core.htaf_grad2,
        log_htaf_grad=core.log_htaf_grad, heaviside=core.heaviside,
        scaled_sigmoid=core.scaled_sigmoid, scaled_sigmoid_grad=core.scaled_sigmoid_grad,
        log_scaled_sigmoid_grad=core.log_scaled_sigmoid_grad, transition_width=params.transition_width,
        log_tail_constant=tails.log_tail_constant, tail_onset=tails.tail_onset, tail_ratio=tails.tail_ratio,
        ss_tail_ratio=tails.ss_tail_ratio,
        min_a=params.min_a, min_b=params.min_b, approx_error=params.approx_error, table6=params.table6,
        binarity_min_a=params.binarity_min_a, select=params.select,
        slope_at_zero=tails.slope_at_zero, tail_rate=tails.tail_rate, tail_constant=tails.tail_constant,
        log_ss_tail_ratio=tails.log_ss_tail_ratio, ss_tail_exponent=tails.ss_tail_exponent,
        tail_ratio_bounds=tails.tail_ratio_bounds,
    )
    for k, v in overrides.items():
        if not hasattr(impl, k):
            raise ValueError(f"unknown function {k!r}")
        setattr(impl, k, v)
    return impl
