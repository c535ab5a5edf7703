"""Fixtures for the data and experiment tests: the real data folder (HTAF_DATA, ../shared/data in CI)."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data_home() -> Path:
    path = Path(os.environ.get("HTAF_DATA", REPO.parent / "shared" / "data"))
    if not (path / "abalone.data").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have the data sets: HTAF_DATA={path} has no abalone.data")
        pytest.skip(f"no data sets in {path}; set HTAF_DATA")
    return path
