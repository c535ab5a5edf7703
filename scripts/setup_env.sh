#!/usr/bin/env bash
# Create or reuse ./.venv with everything the project needs, from PyPI only.
# torch is pinned to 2.13.0 first so that pip takes the CPU wheel and never a multi-GB CUDA build.
# SpikingJelly comes without its declared dependencies (torchvision, torchaudio, ...: see pyproject's snn extra).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=$(cat pyproject.toml scripts/setup_env.sh | sha256sum | cut -c1-16)
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$stamp" ]; then
  echo "setting up .venv (log: .venv/setup.log)"
  {
    .venv/bin/python -m pip install --upgrade pip &&
    .venv/bin/python -m pip install "torch==2.13.0" &&
    .venv/bin/python -m pip install -e ".[all]" &&
    .venv/bin/python -m pip install --no-deps "spikingjelly==2.0.0"
  } > .venv/setup.log 2>&1 || { tail -40 .venv/setup.log; echo "setup failed: see .venv/setup.log" >&2; exit 1; }
  echo "$stamp" > .venv/.setup-stamp
fi
