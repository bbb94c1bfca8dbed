# Two commands on a fresh machine with Python 3.11 (README.md):
#   make demo   — set up .venv and run the whole demo at http://127.0.0.1:8000/
#   make test   — set up .venv and run the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint lock messages clean bench-oidc bench-gateway bench-lighthouse

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock or the project metadata changes.
$(STAMP): requirements/lock.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/govhub demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# The inner loop: everything but the browser and end-to-end tests (docs/testing.md).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not browser and not e2e" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks conftest.py
	$(BIN)/mypy
	$(BIN)/lint-imports

# Re-pin every dependency (versions and hashes only, no index URL) from
# pyproject.toml. See docs/decisions/0005-dependency-pinning.md.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	    --no-emit-index-url --no-emit-find-links --no-header \
	    --output-file requirements/lock.txt --extra dev pyproject.toml

# Extract and compile the Vietnamese catalogue (the test settings supply throwaway secrets).
messages: $(STAMP)
	cd src/govhub && DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=../.. \
	    ../../$(BIN)/python -m django makemessages -l vi --no-obsolete && \
	    DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=../.. ../../$(BIN)/python -m django compilemessages

bench-oidc: $(STAMP)
	$(BIN)/python benchmarks/oidc_tokens.py

# The gateway against nginx and the direct upstream (needs Debian's nginx and wrk).
bench-gateway: $(STAMP)
	$(BIN)/python benchmarks/gateway_hub.py

# Lighthouse on the citizen app's home page (npm lighthouse with the system Chromium).
bench-lighthouse: $(STAMP)
	$(BIN)/python benchmarks/lighthouse_home.py

clean:
	rm -rf $(VENV) var
