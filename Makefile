PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MO := locales/vi/LC_MESSAGES/messages.mo locales/en/LC_MESSAGES/messages.mo

.PHONY: run test bench i18n clean ocr system fuzz

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "python3.11 is required"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres,ocr,s3]'
	touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d locales -D messages -l $* >/dev/null

run: $(STAMP) $(MO)
	$(BIN)/nhacviec db upgrade >/dev/null
	$(BIN)/nhacviec run

test: $(STAMP) $(MO) system
	$(BIN)/python -m pytest -q

# What the tests need from Debian (as root, once): Chromium for the desk's browser tests, DejaVu fonts for the
# PDF plans they print, and Tesseract for OCR (below).
system: ocr
	@{ command -v chromium >/dev/null 2>&1 && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; } || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq chromium fonts-dejavu-core >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }; }

# Optional OCR for scanned PDF plans: Tesseract and its Vietnamese data from Debian (the tests read a scan).
ocr:
	@tesseract --list-langs 2>/dev/null | grep -qx vie || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq tesseract-ocr tesseract-ocr-vie >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-vie >/dev/null; }; }

# Property tests of everything that reads untrusted input, with many more examples than the suite runs.
fuzz: $(STAMP) $(MO)
	NHACVIEC_FUZZ=1 $(BIN)/python -m pytest -q -m fuzz

bench: $(STAMP) $(MO)
	$(BIN)/python -m bench

# Developers: refresh the catalogs after adding or changing user-facing text.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV)
