#!/usr/bin/env bash
# Idempotent set-up of the project environment (see ../shared/ENVIRONMENT.md for why each pin exists).
# Creates .venv (sharing the interpreter's site-packages, so a user's own CUDA torch / detectron2 are kept),
# installs what is missing, and `pip install -e .` the library. A second run with nothing missing takes
# about a second: it only checks a stamp and the imports.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${ADAKD_VENV:-.venv}
PYTHON=${PYTHON:-python3}
STAMP="$VENV/.adakd-setup-stamp"
want=$(cat tools/setup_env.sh setup.py | sha256sum | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
    && "$VENV/bin/python" -c "import torch, torchvision, detectron2, fvcore, pycocotools, onnx, onnxruntime, xdist, adakd" 2>/dev/null; then
  exit 0
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv --system-site-packages "$VENV"
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check -q)

if ! "$PY" -c "import torch, torchvision" 2>/dev/null; then
  echo "[setup] installing torch 2.14.1 / torchvision 0.29.1 (CPU build)"
  "${PIP[@]}" torch==2.14.1 torchvision==0.29.1
else
  echo "[setup] keeping the installed torch $("$PY" -c 'import torch; print(torch.__version__)')"
fi

echo "[setup] installing python dependencies"
# onnx / onnxruntime (tools/export_model.py, adakd.deploy): onnx 1.18+ pulls ml_dtypes builds that need numpy 2,
# which the detectron2 wheel cannot take; these pins keep numpy<2 (onnx 1.17, onnxruntime 1.20 checked here).
"${PIP[@]}" "numpy<2" "setuptools<81" fvcore iopath pycocotools cityscapesscripts opencv-python-headless \
  omegaconf hydra-core black tensorboard matplotlib termcolor yacs tabulate cloudpickle tqdm packaging \
  shapely scipy pytest pytest-xdist "onnx<1.18" "onnxruntime<1.21"

if ! "$PY" -c "import detectron2" 2>/dev/null; then
  # detectron2 has no PyPI release; sal-detectron2 is a pure-python wheel of recent main, tagged for 3.10 only.
  echo "[setup] installing detectron2 (sal-detectron2==0.7.2 wheel)"
  site=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  "${PIP[@]}" --no-deps --target "$site" --python-version 3.10 --only-binary=:all: --upgrade sal-detectron2==0.7.2
else
  echo "[setup] keeping the installed detectron2 at $("$PY" -c 'import detectron2, os; print(os.path.dirname(detectron2.__file__))')"
fi

"${PIP[@]}" --no-deps --no-build-isolation -e .
"$PY" -c "import torch, torchvision, detectron2, fvcore, pycocotools, onnx, onnxruntime, xdist, adakd"
echo "$want" > "$STAMP"
echo "[setup] environment ready in $VENV"
