#!/usr/bin/env bash
# The project's test command (README.md, .ci/run): sets up .venv when missing,
# then runs the whole test suite on the CPU. Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" -m pytest tests -q -p no:cacheprovider "$@"
