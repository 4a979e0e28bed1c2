# ganbook — two commands on a fresh machine:
#   make reproduce   set up .venv, run every notebook at the demo profile, write reports/
#   make test        set up .venv (+ Chromium for the browser test) and run every test
# Python 3.11 is expected (the pinned CPU build of torch is a cp311 wheel); override with PYTHON=...

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.ganbook-installed
PROFILE ?= demo
JOBS   ?= 1

.PHONY: setup reproduce test test-fast notebooks browser-deps lint clean help

help:
	@sed -n '1,5p' Makefile

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -c constraints.txt -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

reproduce: setup
	$(PY) -m ganbook reproduce --profile $(PROFILE) --jobs $(JOBS)

# Chromium for the JupyterLab browser test (Debian package; never `playwright install`).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser test"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

test: setup browser-deps
	$(PY) -m pytest -ra

# Unit tests only (no notebooks, no browser): seconds.
test-fast: setup
	$(PY) -m pytest -ra -m "not slow and not browser" tests

# Re-execute every notebook at the smoke profile and store its outputs in the .ipynb (what nbval checks).
notebooks: setup
	$(PY) -m ganbook store-outputs

clean:
	rm -rf reports/executed reports/checkpoints .pytest_cache
