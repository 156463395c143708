#!/usr/bin/env bash
# The whole suite, in the order a failure is cheapest to find. Any failing step fails the run,
# including a pytest run that collected no tests (exit 5).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
RASA=.venv-rasa/bin/rasa
PY=.venv-actions/bin/python
start=$(date +%s)

step() { echo; echo "==> $*"; }

mkdir -p results
step "style: ruff lint and format (make format fixes both)"
.venv-actions/bin/ruff check . --output-format concise
.venv-actions/bin/ruff format --check . > results/format.log || { cat results/format.log; exit 1; }

step "rasa data validate"
$RASA data validate --data data/nlu data/rules data/stories --domain domain.yml --config config.yml \
  > results/validate.log 2>&1 || { cat results/validate.log; exit 1; }
grep -E "ERROR|Validating|conflict" results/validate.log || true

step "unit tests (Python 3.11 runtime)"
$PY -m pytest tests/unit

step "sandbox portal: the real service over HTTP, on SQLite and PostgreSQL"
$PY -m pytest tests/portal

step "sandbox portal: a quick schemathesis run as a bound citizen (make fuzz for the long one)"
MAX_EXAMPLES=3 bash scripts/fuzz_portal.sh | tail -n 4

step "train the Rasa model (cached by a hash of its inputs)"
model=$($PY -m bot model-path)
echo "model: $model"

step "Rasa runtime tests (Python 3.10): NLU components, WeChat channel, WeChat through the real Rasa server"
BANSHI_E2E_MODEL="$model" .venv-rasa/bin/python -m pytest tests/rasa_runtime -W ignore::DeprecationWarning

step "rasa test: the test stories"
# endpoints.yml reads the action server's shared secret from the environment
export BANSHI_ACTION_SECRET=$($PY -c 'from bot.settings import secret; print(secret("action_secret"))')
rm -rf results/stories
$RASA test core --stories tests/stories --model "$model" --endpoints endpoints.yml \
  --out results/stories --fail-on-prediction-errors --no-plot 2>&1 | grep -vE "DeprecationWarning|^\s*$" | tail -5
test "${PIPESTATUS[0]}" -eq 0

step "end-to-end: real Rasa server and action server over HTTP"
$PY -m pytest tests/e2e

echo
echo "All checks passed in $(( $(date +%s) - start )) s."
