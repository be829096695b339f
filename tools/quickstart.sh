#!/usr/bin/env bash
# The main job (README.md): set up .venv when missing, then generate SynthPose,
# train the quickstart TransPose with `mim train mmpose`, evaluate it with
# `mim test mmpose` and run MMPoseInferencer on a real photo.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" tools/benchmark/quickstart.py "$@"
