#!/usr/bin/env bash
# The README's test command: set up .venv if needed, then run the whole test suite
# (unit tests, doctests, every claim of the paper, quick figure regeneration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
export HTAF_DATA="${HTAF_DATA:-$(cd .. && pwd)/shared/data}"
# the hypothesis profile is chosen in conftest.py only: ci when CI=true, else $HTAF_HYPOTHESIS_PROFILE or dev
exec .venv/bin/python -m pytest "$@"
