# Newsroom — every set-up step lives here, so a fresh machine needs nothing installed by hand.
# Quick start: `make demo`, then `make test`.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# WeasyPrint (press PDFs) needs Pango and HarfBuzz' subsetter; the PDF fonts are DejaVu's.
PDF_PACKAGES    := fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# The full test suite adds Chromium (browser checks), pdftoppm (PDF page 1 as PNG), openssl
# and SpamAssassin (`newsroom lint`'s spam score).
SYSTEM_PACKAGES := chromium poppler-utils openssl spamassassin $(PDF_PACKAGES)
# Python packages come from hashed locks generated from pyproject.toml (`make lock`):
#   core = check, build, preview, lint, send (`make demo`); pdf = core + WeasyPrint (`make setup-build`);
#   dev = pdf + Playwright/axe + the test tools (`make setup`, CI).
LOCKS := requirements/core.lock requirements/pdf.lock requirements/dev.lock

.PHONY: setup setup-build demo test test-fast lock bench golden schema cms screenshots messages clean system-packages

setup: $(VENV)/.installed-dev node_modules/.installed system-packages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# One stamp per lock: installing a larger set later adds to the same venv.
$(VENV)/.installed-%: requirements/%.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r $<
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# What `newsroom build --pdf` needs (the Pages and send workflows): core + WeasyPrint and Pango, no browser.
setup-build: $(VENV)/.installed-pdf
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

# Refresh the locks after changing dependencies in pyproject.toml; commit them with that change.
# `uv` comes with the dev extra (installed here if the venv has none yet); the locks hold every platform's
# markers (--universal), for the oldest Python that pyproject allows.
lock: | $(PY)
	test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile --quiet pyproject.toml --generate-hashes --universal --python-version 3.11 \
	  -o requirements/core.lock
	$(VENV)/bin/uv pip compile --quiet pyproject.toml --extra pdf --generate-hashes --universal --python-version 3.11 \
	  -o requirements/pdf.lock
	$(VENV)/bin/uv pip compile --quiet pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 \
	  -o requirements/dev.lock

DEMO_REPORT := 2021-11-29-industriestandort-berlin-brandenburg

# Check, build, send the seed report through the embedded outbox provider (no account needed), then report on it.
# Needs only the core install: no browser, no PDF libraries, no Node tools.
demo: $(VENV)/.installed-core
	$(PY) -m pipeline check
	$(PY) -m pipeline build
	$(PY) -m pipeline send $(DEMO_REPORT) --target test --yes
	$(PY) -m pipeline status
	$(PY) -m pipeline report
	@echo
	@echo "Open out/index.html (preview), out/site/index.html (archive) and out/reports/all.html (delivery report)"
	@echo "in a browser; the sent messages are in .newsroom/outbox/. Live preview: '$(PY) -m pipeline preview'."

# Everything (CI runs this through .ci/run): ruff, then the whole suite in random order (pytest-randomly prints
# the seed; repeat that order with --randomly-seed=N, or run in file order with -p no:randomly, reversed with
# --reverse). No .pytest_cache in the checkout.
PYTEST := $(PY) -m pytest -p no:cacheprovider

test: setup
	$(VENV)/bin/ruff check --no-cache .
	$(PYTEST)

# The quick tier (unit, render, press, site, lint rules, golden; about 30 s): no Node, no browser, nothing slow.
test-fast: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --no-cache .
	$(PYTEST) -n 2 -m "not slow and not browser and not node"

bench: setup
	$(PY) benchmarks/run.py
	$(PY) benchmarks/report_cost.py
	$(PY) benchmarks/report_cost.py --latency 0.1

# Regenerate the golden output tree of the seed report after an intended template change;
# review the diff in the pull request.
golden: $(VENV)/.installed-dev
	$(PY) tests/golden/update.py

schema: $(VENV)/.installed-core
	$(PY) -m pipeline schema

# The browser editor's admin/ (Decap CMS configuration) from the field rules; commit it with a rule change.
cms: $(VENV)/.installed-core
	$(PY) -m pipeline cms

# The README's pictures of the browser editor (docs/cms-*.png), taken by its browser test; review and commit.
screenshots: setup
	NEWSROOM_UPDATE_SCREENSHOTS=1 $(PYTEST) -p no:randomly tests/browser/test_cms.py -k saved_as_yaml

# Re-extract the fixed texts (_() in pipeline/ and templates/) and merge them into the .po catalogues;
# then translate the new entries in pipeline/locale/de/LC_MESSAGES/newsroom.po.
messages: $(VENV)/.installed-core
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header \
	  -o pipeline/locale/newsroom.pot .
	$(VENV)/bin/pybabel update -D newsroom -i pipeline/locale/newsroom.pot -d pipeline/locale --no-wrap \
	  --no-fuzzy-matching

clean:
	rm -rf out .newsroom .pytest_cache
