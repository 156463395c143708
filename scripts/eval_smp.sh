#!/usr/bin/env bash
# External NLU benchmark (`make eval-smp`, not part of `make test`): trains our NLU pipeline on
# SMP2017-ECDT task 1 (31 domains) and scores it on the official test split.
# Everything it writes — converted data, config, model, Rasa's cache — goes to a temp dir.
#
#   SMP_DIR     data root with train/ and test/   (default: <project>/../shared/external-eval/smp2017)
#   SMP_CONFIG  config whose pipeline is used     (default: <project>/config.yml)
#   SMP_KEEP=1  keep the temp dir (model, data) instead of deleting it
# ~3–5 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3
RASA=.venv-rasa/bin/rasa
PY=.venv-rasa/bin/python

SMP_DIR=${SMP_DIR:-"$project/../shared/external-eval/smp2017"}
SMP_CONFIG=${SMP_CONFIG:-"$project/config.yml"}
for split in train test; do
  if ! compgen -G "$SMP_DIR/$split/${split}_*.txt" >/dev/null; then
    echo "eval-smp: SMP2017 data not found: no $SMP_DIR/$split/${split}_*.txt" >&2
    echo "eval-smp: set SMP_DIR to the directory holding train/ and test/" >&2
    exit 2
  fi
done
[ -f "$SMP_CONFIG" ] || { echo "eval-smp: config not found: $SMP_CONFIG" >&2; exit 2; }
[ -x "$RASA" ] || { echo "eval-smp: Rasa runtime missing ($RASA); run 'make setup'" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/eval-smp.XXXXXX")
if [ "${SMP_KEEP:-0}" = 1 ]; then
  echo "eval-smp: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
# Rasa's training cache defaults to ./.rasa/cache, i.e. into the project: keep it out.
export RASA_CACHE_DIRECTORY=$tmp/cache RASA_MAX_CACHE_SIZE=0

$PY scripts/smp_to_rasa.py convert "$SMP_DIR/train" train "$tmp/train.yml"
$PY scripts/smp_to_rasa.py convert "$SMP_DIR/test" test "$tmp/test.yml"
$PY scripts/smp_to_rasa.py config "$SMP_CONFIG" "$tmp/config.yml"

echo "eval-smp: training (rasa train nlu) ..."
start=$(date +%s)
if ! $RASA train nlu --config "$tmp/config.yml" --nlu "$tmp/train.yml" --out "$tmp/models" \
     --fixed-model-name smp >"$tmp/train.log" 2>&1; then
  tail -30 "$tmp/train.log" >&2
  echo "eval-smp: training failed (log above)" >&2
  exit 1
fi
train_s=$(( $(date +%s) - start ))
echo "eval-smp: trained in ${train_s} s"

PYTHONWARNINGS=ignore $PY scripts/smp_to_rasa.py score "$tmp/models/smp.tar.gz" "$tmp/test.yml" \
  ${SMP_REPORT:+--report} --json "$tmp/scores.json"
