# Two entry points: `make pdf` builds the default editions, `make test` runs the test suite.
# Each first runs scripts/setup, which checks the system packages (and installs the missing ones
# when it can, otherwise stops with the command to run), then creates the virtual environment in
# .venv on first use and installs the pinned dependencies (constraints.txt), so a fresh clone
# needs nothing done before. `make check` checks the content without rendering.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SETUP := PYTHON='$(PYTHON)' VENV='$(VENV)' sh scripts/setup
ENVIRONMENT := $(MAKE) --no-print-directory -q $(STAMP) || $(MAKE) --no-print-directory $(STAMP)

.PHONY: pdf test check clean

pdf:
	@$(SETUP) pdf
	@$(ENVIRONMENT)
	$(BIN)/python make_pdf.py

test:
	@$(SETUP) test
	@$(ENVIRONMENT)
	$(BIN)/python -m pytest

check:
	@$(SETUP) pdf
	@$(ENVIRONMENT)
	$(BIN)/python make_pdf.py check

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf build
