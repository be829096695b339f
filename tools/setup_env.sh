#!/usr/bin/env bash
# Create (or bring up to date) the project's virtual environment in .venv.
#
# Needs only Python 3.11 and the package registries. Idempotent: when .venv was
# built from the current requirements.txt and still imports, it returns at once.
# Every version comes from requirements.txt; see the markers explained there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/requirements.txt"
STAMP="$VENV/.mmpose_tfx_env"
PY="$VENV/bin/python"

say() { printf '[setup_env] %s\n' "$*"; }

want="$(cat "$REQ" "$ROOT/tools/setup_env.sh" "$ROOT/setup.py" | sha256sum | cut -c1-16)"

check_env() {
    "$PY" - <<'PYEOF' >/dev/null 2>&1
import mmcv, mmcv.ops, mmpose.models, mmdet, mmpose_tfx  # noqa: F401
import onnx, onnxruntime  # noqa: F401
import torchvision.ops
torchvision.ops.nms  # the +cpu torch wheel cannot load this op
PYEOF
}

if [[ -x "$PY" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] && check_env; then
    say "environment in .venv is up to date"
    exit 0
fi

# --- Python 3.11 -----------------------------------------------------------
PYTHON_BIN="${PYTHON:-}"
if [[ -z "$PYTHON_BIN" ]]; then
    for cand in python3.11 python3; do
        if command -v "$cand" >/dev/null 2>&1 && \
           "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            PYTHON_BIN="$cand"; break
        fi
    done
fi
[[ -n "$PYTHON_BIN" ]] || { echo "setup_env: Python 3.11 not found (set PYTHON=...)" >&2; exit 1; }

if [[ ! -x "$PY" ]]; then
    say "creating .venv with $("$PYTHON_BIN" --version)"
    "$PYTHON_BIN" -m venv "$VENV"
fi

PIP=("$PY" -m pip --disable-pip-version-check)

# requirement lines by marker ("" = plain pinned dependency)
reqs() {  # $1 = marker or "plain"
    local marker="$1"
    grep -v '^\s*#' "$REQ" | grep -v '^\s*$' | while IFS= read -r line; do
        spec="$(echo "${line%%#*}" | xargs)"
        tag="$(echo "$line" | grep -o '\[[a-z-]*\]' || true)"
        if [[ "$marker" == "plain" && -z "$tag" ]] || [[ "$tag" == "[$marker]" ]]; then
            echo "$spec"
        fi
    done
}
# every pin, as constraints for transitive dependencies
CONSTRAINTS="$VENV/constraints.txt"
{ reqs buildtool; reqs torch; reqs build; reqs no-deps; reqs plain; } > "$CONSTRAINTS"

say "step 1/6: build tools ($(reqs buildtool | xargs))"
"${PIP[@]}" install -q $(reqs buildtool)

if "$PY" -c 'import torch, torchvision, sys; sys.exit(torch.__version__ != "2.13.0" or torchvision.__version__ != "0.28.0")' 2>/dev/null; then
    say "step 2/6: torch 2.13.0 + torchvision 0.28.0 already installed"
else
    say "step 2/6: torch + torchvision, standard registry builds (about 4.8 GB with CUDA libraries; several minutes the first time)"
    "${PIP[@]}" install $(reqs torch)
fi

# torch asks for setuptools>=77 (only for its C++-extension helper); mmcv's
# setup.py and mim need pkg_resources, so the pinned setuptools<70 goes back in
# here. pip reports that conflict; it is expected and harmless.
say "step 3/6: pinned dependencies (numpy<2 for xtcocotools, setuptools<70 for mmcv/mim)"
LOG3="$VENV/setup_env_step3.log"
"${PIP[@]}" install -q -c "$CONSTRAINTS" $(reqs buildtool) $(reqs plain) >"$LOG3" 2>&1 \
    || { cat "$LOG3" >&2; echo "setup_env: installing pinned dependencies failed" >&2; exit 1; }
grep -v -e "is ignored: it is neither" -e "requires setuptools>=77" \
        -e "dependency resolver does not currently" "$LOG3" || true
"$PY" -c 'import numpy, pkg_resources, sys; sys.exit(not numpy.__version__.startswith("1."))' \
    || { echo "setup_env: numpy<2 / setuptools pins did not take effect" >&2; exit 1; }

if "$PY" -c 'import mmcv, mmcv._ext, sys; sys.exit(mmcv.__version__ != "2.1.0")' 2>/dev/null; then
    say "step 4/6: mmcv 2.1.0 with ops already installed"
else
    say "step 4/6: building mmcv 2.1.0 with its compiled ops from source (about 9 minutes on 2 cores; pip caches the wheel afterwards)"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "${PIP[@]}" install --no-build-isolation -c "$CONSTRAINTS" $(reqs build)
fi

say "step 5/6: $(reqs no-deps | xargs) without their declared dependencies"
"${PIP[@]}" install -q --no-deps $(reqs no-deps)

say "step 6/6: mmpose_tfx (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$ROOT"

if ! check_env; then
    echo "setup_env: the environment was installed but does not import; details:" >&2
    "$PY" -c 'import mmcv.ops, mmpose.models, mmdet, mmpose_tfx, torchvision.ops' >&2 || true
    exit 1
fi
echo "$want" > "$STAMP"
say "environment ready: $("$PY" -c 'import torch, mmcv, mmpose, mmdet; print(f"torch {torch.__version__}, mmcv {mmcv.__version__}, mmpose {mmpose.__version__}, mmdet {mmdet.__version__}")')"
