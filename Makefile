# banshi: the two commands are `make run` and `make test`; both set up what is missing first.
SHELL := /bin/bash
PY := .venv-actions/bin/python
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test setup train eval-nlu eval-smp lexicon golden clean

run: setup
	@$(PY) -m bot run

test: setup
	@bash scripts/test.sh

setup:
	@bash scripts/setup.sh

train: setup
	@$(PY) -m bot train

eval-nlu: setup
	@bash scripts/eval_nlu.sh

eval-smp: setup
	@bash scripts/eval_smp.sh

lexicon: setup
	@$(PY) -m bot lexicon

# Rewrites tests/golden/ from real conversations; review the diff before committing.
golden: setup
	@BANSHI_GOLDEN=write $(PY) -m pytest tests/e2e/test_golden_transcripts.py -q -p no:cacheprovider
	@BANSHI_GOLDEN=write BANSHI_E2E_MODEL=$$($(PY) -m bot model-path) .venv-rasa/bin/python -m pytest \
	  tests/rasa_runtime/test_wechat_e2e.py -q -p no:cacheprovider -k reads_as_reviewed
	@git status --short tests/golden

clean:
	rm -rf models results test-output .pytest_cache
