# Two entry points: `make pdf` builds the default editions, `make test` runs the test suite.
# Each creates the virtual environment in .venv on first use and installs the pinned
# dependencies (constraints.txt), so a fresh clone needs nothing done before.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: pdf test check clean

pdf: $(STAMP)
	$(BIN)/python make_pdf.py

test: $(STAMP)
	$(BIN)/python -m pytest

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf build
