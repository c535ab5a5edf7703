"""Mutation tests: every small break of a public library function must make the theorem check fail."""
import pytest

from proofs_check.mutants import MUTANTS, run_mutant


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_mutant_is_caught(mutant):
    caught, by = run_mutant(mutant)
    assert caught, f"{mutant.name}: {by}"


def test_the_unbroken_library_passes_every_fast_check():
    from proofs_check.mutants import Mutant
    caught, by = run_mutant(Mutant("identity", "htaf", lambda f: f))
    assert not caught, by
