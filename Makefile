PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench catalogs clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "python3.11 is required"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	$(MAKE) catalogs
	touch $(STAMP)

catalogs: $(BIN)/python
	$(BIN)/pybabel compile --use-fuzzy -d locales -D messages >/dev/null

$(BIN)/python:
	$(PY) -m venv $(VENV)

run: $(STAMP)
	$(BIN)/nhacviec run

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV)
