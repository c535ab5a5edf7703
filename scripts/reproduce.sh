#!/usr/bin/env bash
# The README's main job: set up .venv if needed, check every claim (writes docs/claims.md),
# then run every sweep and regenerate every figure and table at paper settings on seed/split 0 (--size budget,
# into figures/out-budget; <= 90 min on 2 cores). Pass --size full for every seed (hours; into figures/out).
# Resumable: rerun after a stop; a full run reuses the budget run's cells.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
export HTAF_DATA="${HTAF_DATA:-$(cd .. && pwd)/shared/data}"
case " $* " in
  *" --size full "*|*" --size=full "*) echo "main job at --size full: every seed, many hours on 2 cores (resumable)";;
  *) echo "main job (--size budget): about 50 minutes on a 2-core Intel Xeon, 72-75 on a 2-core AMD EPYC, set-up included (README)";;
esac
status=0
.venv/bin/htaf check --write --report-dir docs || status=$?
.venv/bin/htaf figures --run --size budget "$@" || status=$?
exit $status
