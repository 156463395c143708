#!/usr/bin/env bash
# Held-out NLU evaluation: the model is trained on data/nlu only (eval/ is never training data,
# a unit test checks there is no overlap), then scored on each file in eval/:
#   nlu_heldout.yml — written before the model was tuned; its error categories guided tuning
#   nlu_blind.yml   — written after tuning and never looked at while tuning
# Prints intent macro-F1, service_item accuracy and the confusion pairs for each.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3
model=$(.venv-actions/bin/python -m bot model-path)
for heldout in eval/nlu_heldout.yml eval/nlu_blind.yml; do
  [ -f "$heldout" ] || continue
  echo "######## $heldout"
  .venv-rasa/bin/python -W ignore scripts/eval_nlu.py "$model" "$heldout" "$@" 2>&1 \
    | grep -vE "Warning|warn\(|^\s*$|declare_namespace|from jax|\.replace|Downloads a file|tensorflow|^To enable|processor\.message"
done
