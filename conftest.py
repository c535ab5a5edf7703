"""Shared pytest set-up: hypothesis profiles and fixtures that reset global numeric state.

Profiles: ``ci`` (derandomized, fixed examples: a CI failure reproduces), ``dev`` (default),
``thorough`` (many examples; HTAF_HYPOTHESIS_PROFILE=thorough bash scripts/test.sh).
"""
import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HTAF_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev"))


@pytest.fixture(autouse=True)
def _reset_numeric_state():
    """Each test starts at mpmath's and arb's default precision and a fixed torch seed/dtype."""
    mpmath.mp.dps = 15
    try:
        from flint import ctx as flint_ctx
    except ImportError:
        flint_ctx = None
    if flint_ctx is not None:
        flint_ctx.prec = 53
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.manual_seed(0)
        torch.set_default_dtype(torch.float32)
    yield
    mpmath.mp.dps = 15
    if flint_ctx is not None:
        flint_ctx.prec = 53
    if torch is not None:
        torch.set_default_dtype(torch.float32)
