#!/usr/bin/env bash
# The README's main job: set up .venv if needed, check every claim (writes docs/claims.md),
# then run every sweep and regenerate every figure and table at paper settings (resumable: rerun after a stop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
export HTAF_DATA="${HTAF_DATA:-$(cd .. && pwd)/shared/data}"
status=0
.venv/bin/htaf check --report-dir docs || status=$?
.venv/bin/htaf figures --run --out figures/out "$@" || status=$?
exit $status
