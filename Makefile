# Bijli Sahayak: the two commands are `make run` and `make test` (`make check`: the fast tier).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Only for the local demo on 127.0.0.1; set OPERATOR_API_KEYS yourself anywhere else.
DEMO_API_KEY ?= demo-operator-key

# pytest-xdist workers for the test targets: one per core (2 on the CI machine).
TEST_WORKERS ?= auto
# The fast tier: no PostgreSQL half, no browser, nothing marked slow (docs/ARCHITECTURE.md, "Tests").
CHECK_TIERS ?= not postgres and not web and not slow

# The tests start Python (and import the project) in ~100 subprocesses: let them keep
# bytecode caches (__pycache__/, git-ignored), which saves about a quarter of the CPU time.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test check lint install clean rasa i18n

# Create the virtualenv once; reinstall whenever pyproject.toml changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: migrate the embedded SQLite database, seed demo data if empty, serve on :8000
run: $(STAMP)
	$(BIN)/sahayak db upgrade
	$(BIN)/sahayak demo seed --if-empty
	@echo "Web chat (demo): http://$(HOST):$(PORT)/chat - or in another terminal: $(BIN)/sahayak demo accounts, then e.g. $(BIN)/sahayak chat --as +917000000001 (that demo consumer's mobile; add --channel sms|telegram)"
	APP_ENV=demo WEB_CHAT_ENABLED=1 OPERATOR_API_KEYS="$${OPERATOR_API_KEYS:-$(DEMO_API_KEY)}" \
		$(BIN)/sahayak serve --host $(HOST) --port $(PORT)

## make test: lint, then every test in parallel (PostgreSQL too when TEST_DATABASE_URL is
## set; CI runs this through .ci/run)
test: $(STAMP) lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=15

## make check: the fast tier for development (<= 60 s on 2 cores): lint, then the unit and
## SQLite database tests that are not marked slow
check: $(STAMP) lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "$(CHECK_TIERS)"

## make lint: ruff, and the import rules (import-linter contracts in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check bot nlu backend tests benchmarks
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache .grimp_cache *.egg-info

## make rasa (optional, heavy: ~2.7 GB): Rasa Open Source 3.6 in its own Python 3.10 venv
## (rasa-venv/), trained on `python -m nlu export-rasa var/rasa`, serving 127.0.0.1:5005
rasa: $(STAMP)
	APP_PYTHON=$(BIN)/python scripts/rasa.sh

## make i18n: extract N_("key") marks from bot/ and backend/ to locales/messages.pot, add
## new keys (empty, to translate) to the hi, hi_Latn and en .po files without dropping any,
## and compile .mo files into var/locales (a check; the app reads the .po files directly)
i18n: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-default-keywords --no-location \
		--add-comments=i18n: --sort-output --omit-header -o locales/messages.pot bot backend
	$(BIN)/python -m bot.i18n.sync locales/messages.pot
	for l in hi hi_Latn en; do \
		mkdir -p var/locales/$$l/LC_MESSAGES && \
		$(BIN)/pybabel compile --statistics -l $$l -i locales/$$l/LC_MESSAGES/messages.po \
			-o var/locales/$$l/LC_MESSAGES/messages.mo || exit 1; \
	done
