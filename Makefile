# Two commands for a fresh clone: `make pack` and `make test` (and `make serve` for the front desk). Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: pack test check lint clean layouts-readme serve

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[web,test]'
	$(BIN)/python -m compileall -q clinicpack  # byte-compiled now, so the first build does not pay for it
	touch $(STAMP)

pack: $(STAMP)
	$(BIN)/python build_pack.py

# the front desk on http://127.0.0.1:8000 (HOST=0.0.0.0 needs CLINICPACK_PASSWORD or PASSWORD_FILE)
HOST ?= 127.0.0.1
PORT ?= 8000
serve: $(STAMP)
	$(BIN)/python build_pack.py serve --host $(HOST) --port $(PORT) $(if $(PASSWORD_FILE),--password-file $(PASSWORD_FILE))

check: $(STAMP)
	$(BIN)/python build_pack.py --check

test: $(STAMP)
	$(BIN)/python -m pytest -q

# regenerate the key tables in layouts/README.md from the schema in clinicpack/layout.py
layouts-readme: $(STAMP)
	$(BIN)/python -m clinicpack.layout --update-readme layouts/README.md

clean:
	rm -rf output/*.pdf output/*.png output/*.preview output/.clinicpack-manifest.json $(VENV)

lint: $(STAMP)
	$(BIN)/ruff check clinicpack tests bench build_pack.py
