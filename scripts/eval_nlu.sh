#!/usr/bin/env bash
# Held-out NLU evaluation: the model is trained on data/nlu only (eval/ is never training data),
# then scored on eval/nlu_heldout.yml. Prints intent macro-F1, service_item accuracy, confusions.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3
model=$(.venv-actions/bin/python -m bot model-path)
.venv-rasa/bin/python -W ignore scripts/eval_nlu.py "$model" eval/nlu_heldout.yml "$@" 2>&1 \
  | grep -vE "Warning|warn\(|^\s*$|declare_namespace|from jax|\.replace|Downloads a file"
