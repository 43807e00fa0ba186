# Two commands for a fresh clone: `make pack` and `make test`. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: pack test check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

pack: $(STAMP)
	$(BIN)/python build_pack.py

check: $(STAMP)
	$(BIN)/python build_pack.py --check

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf output/*.pdf $(VENV)
