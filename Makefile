# The two commands of the README:  `make run`  runs the product,  `make test`  runs the tests.
# Both do all the set-up on a fresh machine (Python 3.11; PostgreSQL and Redis on localhost for
# the tests): virtual environment, packages, translations, database.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test check lint format messages makemessages migrate demo diagram bench clean

help:
	@echo "make run    - set up and run the product (web + Celery worker + beat) on http://$(HOST):$(PORT)/"
	@echo "make test   - set up, run the checks (make check), then the test suite against PostgreSQL and Redis"
	@echo "make check  - the checks make test runs first: ruff, ruff format, import contracts, mypy"
	@echo "make lint   - the same as make check"
	@echo "make diagram - regenerate docs/state-machine.dot from the state machine"
	@echo "make bench  - benchmarks on the database aftersales_bench; results in docs/performance.md"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# msgfmt (GNU gettext) compiles the translations; install it from Debian's packages if missing.
/usr/bin/msgfmt:
	@command -v msgfmt >/dev/null 2>&1 || { \
	  echo "msgfmt (GNU gettext) is missing: installing Debian's gettext package"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq gettext >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq gettext >/dev/null; fi; }

# The portal's browser tests drive Debian's Chromium (never a downloaded browser), with CJK fonts
# so the Chinese pages render in the screenshots.
/usr/bin/chromium:
	@echo "Chromium (for the browser tests) is missing: installing Debian's chromium and fonts-noto-cjk"
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; fi

# The CJK fonts on their own too: a machine that has Chromium already may lack them (the Chinese pages
# of the screenshots would show empty boxes).
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
$(CJK_FONT):
	@echo "CJK fonts (for the Chinese pages in the browser tests) are missing: installing Debian's fonts-noto-cjk"
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq fonts-noto-cjk >/dev/null; fi

# The email channel's integration tests start their own private Dovecot (tests/mailservers.py) on a free
# port; Debian's package would also start a system service on 143/993, so that one is stopped and disabled.
/usr/sbin/dovecot:
	@echo "Dovecot (for the email channel's tests) is missing: installing Debian's dovecot-imapd"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq dovecot-imapd >/dev/null || exit 1; \
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then \
	  $$SUDO systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true; \
	else $$SUDO /usr/sbin/dovecot stop >/dev/null 2>&1 || true; fi

messages: $(VENV)/.installed /usr/bin/msgfmt
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv -v 0

makemessages: $(VENV)/.installed
	DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=data --no-obsolete

# --- run: the embedded default unless DATABASE_URL / REDIS_URL are set ------------------------------
# The Procfile names gunicorn and celery, so the virtual environment goes first on honcho's PATH.
run: export DEBUG ?= 1
run: messages
	@mkdir -p "$${DATA_DIR:-data}"
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_channels
	@echo ""
	@echo "  Open http://$(HOST):$(PORT)/  (admin: /admin/, API docs: /api/v1/docs/, health: /healthz)"
	@echo ""
	PATH="$(abspath $(BIN)):$$PATH" HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile

# --- test: PostgreSQL + Redis on localhost (override with DATABASE_URL / REDIS_URL) ------------------
# make check first (a failing check stops the run before pytest), then what the tests need.
test: check messages /usr/bin/chromium $(CJK_FONT) /usr/sbin/dovecot
	$(BIN)/python scripts/check_services.py
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

# --- check: what make test runs before the tests (and pre-commit on each commit, .pre-commit-config.yaml) -----
# lint and format (ruff), the import contracts of docs/architecture.md (import-linter, [tool.importlinter] in
# pyproject.toml), the types (mypy with the django and DRF stubs, [tool.mypy]). Each runs alone too:
# .venv/bin/ruff check . | .venv/bin/ruff format --check . | .venv/bin/lint-imports | .venv/bin/mypy
check: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

lint: check

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

diagram: $(VENV)/.installed
	DEBUG=1 $(BIN)/python manage.py graph_transitions cases.Case > docs/state-machine.dot
	@command -v dot >/dev/null 2>&1 && dot -Tsvg docs/state-machine.dot -o docs/state-machine.svg || \
	  echo "graphviz's dot is not installed (apt-get install graphviz) - docs/state-machine.svg not redrawn"

# --- bench: benchmarks, not tests (docs/performance.md); on the database aftersales_bench -------------
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/aftersales_bench
bench: messages
	@# Create the database if missing (as make test does), only when its name ends in _bench:
	@# the benchmarks empty it, so never the development or test database.
	$(BIN)/python -c "import sys; from urllib.parse import urlparse; sys.path.insert(0, 'scripts'); \
	  from check_services import check_postgres; name = urlparse(sys.argv[1]).path.lstrip('/'); \
	  name.endswith('_bench') and not name.startswith('test_') or sys.exit(f'not a bench database: {name!r}'); \
	  check_postgres(sys.argv[1])" "$(BENCH_DATABASE_URL)"
	DEBUG=1 DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=1 DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/sla_sweep.py $(BENCH_ARGS)
	DEBUG=1 DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/desk_queue.py
	DEBUG=1 DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/queue_search.py
	DEBUG=1 DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/channels_intake.py
	DEBUG=1 DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/feedback_answers.py
	DEBUG=1 DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/refund_resolve.py --baseline-commit 5f6520f
	@# Last: it refills the bench database with seed_bench at 10k, 100k and 1M cases.
	DEBUG=1 DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python benchmarks/kpi_dashboard.py $(KPI_BENCH_ARGS)

clean:
	rm -rf $(VENV) data staticfiles

# --- load: a locust run of agents, portal customers and inbound messages together (not part of make test) --
# gunicorn + a Celery worker with beat on PostgreSQL and Redis; the database (its name ends in _load) is
# made anew each run. Results in docs/performance.md, "Load test".
.PHONY: load
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/aftersales_load
LOAD_REDIS_URL ?= redis://127.0.0.1:6379/12
LOAD_MINUTES ?= 3
load: messages
	$(BIN)/python benchmarks/load/run.py --database-url $(LOAD_DATABASE_URL) --redis-url $(LOAD_REDIS_URL) \
	  --minutes $(LOAD_MINUTES) $(LOAD_ARGS)
