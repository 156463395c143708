# banshi: the two commands are `make run` and `make test`; both set up what is missing first.
SHELL := /bin/bash
PY := .venv-actions/bin/python
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test setup train eval-nlu eval-smp lexicon clean

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

clean:
	rm -rf models results test-output .pytest_cache
