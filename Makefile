# Newsroom — every set-up step lives here, so a fresh machine needs nothing installed by hand.
# Quick start: `make demo`, then `make test`.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# WeasyPrint (press PDFs) needs Pango and HarfBuzz' subsetter; the PDF fonts are DejaVu's.
PDF_PACKAGES    := fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
SYSTEM_PACKAGES := chromium poppler-utils openssl $(PDF_PACKAGES)

.PHONY: setup setup-build demo test bench golden schema messages clean system-packages

setup: $(VENV)/.installed node_modules/.installed system-packages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Only what `newsroom build` needs (the Pages workflow): the venv and the PDF libraries, no browser.
setup-build: $(VENV)/.installed
	$(MAKE) system-packages SYSTEM_PACKAGES="$(PDF_PACKAGES)"

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages for the browser checks and PDF tools; installed only when missing.
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	fi

DEMO_REPORT := 2021-11-29-industriestandort-berlin-brandenburg

# Check, build, and send the seed report through the embedded outbox provider (no account needed).
demo: setup
	$(PY) -m pipeline check
	$(PY) -m pipeline build
	$(PY) -m pipeline send $(DEMO_REPORT) --target test --yes
	$(PY) -m pipeline status
	@echo
	@echo "Open out/index.html (preview) and out/site/index.html (archive) in a browser;"
	@echo "the sent messages are in .newsroom/outbox/. Live preview: '$(PY) -m pipeline preview'."

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/run.py

# Regenerate the golden output tree of the seed report after an intended template change;
# review the diff in the pull request.
golden: $(VENV)/.installed
	$(PY) tests/golden/update.py

schema: $(VENV)/.installed
	$(PY) -m pipeline schema

# Re-extract the fixed texts (_() in pipeline/ and templates/) and merge them into the .po catalogues;
# then translate the new entries in pipeline/locale/de/LC_MESSAGES/newsroom.po.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header \
	  -o pipeline/locale/newsroom.pot .
	$(VENV)/bin/pybabel update -D newsroom -i pipeline/locale/newsroom.pot -d pipeline/locale --no-wrap \
	  --no-fuzzy-matching

clean:
	rm -rf out .newsroom .pytest_cache
