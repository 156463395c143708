# banshi: the two commands are `make run` and `make test`; both set up what is missing first.
SHELL := /bin/bash
PY := .venv-actions/bin/python
export RASA_TELEMETRY_ENABLED := false

.PHONY: run run-production run-scaled test setup setup-dev train eval-nlu eval-smp eval-msgabench eval-unanswered lexicon stories golden format audit fuzz eval-dialogues bench-load bench-faults deploy-check clean

run: setup
	@$(PY) -m bot run

# The production profile: nginx is the only public listener (BANSHI_PUBLIC_PORT), REST is off.
run-production:
	@bash scripts/setup.sh --gateway
	@$(PY) -m bot run --production

# The scaled profile: Rasa on as many workers as cores, trackers in PostgreSQL, locks and channel
# state in Redis (BANSHI_TRACKER_DB_URL, BANSHI_REDIS_URL; default: this machine's servers), two
# action servers behind nginx (installed as for the production gateway).
run-scaled:
	@bash scripts/setup.sh --gateway
	@$(PY) -m bot run --scaled

test: setup-dev
	@bash scripts/test.sh

setup:
	@bash scripts/setup.sh

setup-dev:
	@bash scripts/setup.sh --dev

train: setup
	@$(PY) -m bot train

eval-nlu: setup-dev
	@bash scripts/eval_nlu.sh

# The held-out multi-turn dialogues (eval/dialogues.yml): pass rates per category, against a real stack.
eval-dialogues: setup-dev
	@$(PY) -m bot model-path > /dev/null
	@$(PY) scripts/eval_dialogues.py

eval-smp: setup-dev
	@bash scripts/eval_smp.sh

# The knowledge-base engine on MSGABench 政务问答 (../shared, evaluation only): dev and held-out splits.
eval-msgabench: setup-dev
	@$(PY) scripts/eval_msgabench.py

# The unanswered queue's clustering against the gold grouping of eval/unanswered_seed.yml.
eval-unanswered: setup-dev
	@$(PY) scripts/eval_unanswered.py

lexicon: setup
	@$(PY) -m bot lexicon

# The application test stories, generated from each item's form and happy-path scenario.
stories: setup
	@$(PY) scripts/make_application_stories.py

# Rewrites tests/golden/ from real conversations; review the diff before committing.
golden: setup-dev
	@BANSHI_GOLDEN=write $(PY) -m pytest tests/e2e/test_golden_transcripts.py
	@BANSHI_GOLDEN=write BANSHI_E2E_MODEL=$$($(PY) -m bot model-path) .venv-rasa/bin/python -m pytest \
	  tests/rasa_runtime/test_wechat_e2e.py -k reads_as_reviewed
	@git status --short tests/golden

# The house style: ruff's fixes and formatting (make test checks both first).
format: setup-dev
	@.venv-actions/bin/ruff check --fix . && .venv-actions/bin/ruff format .

# Known vulnerabilities in the locks; says "audit unavailable" (exit 2) when its canary is not flagged.
audit: setup-dev
	@bash scripts/audit.sh

# Many citizens at once (issue 17): turns/s, p50/p95/p99 per turn type and channel, CPU and RSS per
# process, on a stack of its own. Options: make bench-load ARGS="--users 50 --think 3 --duration 120".
bench-load: setup-dev
	@$(PY) -m bot model-path > /dev/null
	@$(PY) scripts/bench_load.py $(ARGS)

# Faults under load (issue 17): its own Redis and PostgreSQL on free ports, never the machine's.
# Options: make bench-faults ARGS="--faults redis-restart,actions-kill --users 8".
bench-faults: setup-dev
	@$(PY) -m bot model-path > /dev/null
	@$(PY) scripts/bench_faults.py $(ARGS)

# The deployment files (deploy/): the Kubernetes manifests rendered and schema-checked, the compose
# file against the compose spec, the Dockerfiles parsed; no container engine runs here.
deploy-check: setup-dev
	@$(PY) -m pytest tests/unit/test_deploy.py -q

# Schema-driven fuzzing of the portal as a bound citizen (MAX_EXAMPLES=100 per operation by default).
fuzz: setup-dev
	@bash scripts/fuzz_portal.sh

clean:
	rm -rf models results test-output .pytest_cache
