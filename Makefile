# One command to run the site, one to pass the tests. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DJANGO_DEBUG=1
PG_URL ?= postgres://postgres@127.0.0.1:5432/corpus
# `make check` runs the editorial checks on fixtures/ in a scratch database, against the seed texts.
CHECK_DB := /tmp/claims-check-corpus.sqlite3
TEXTS ?= ../shared/seeds
# The browser and HTML tests need Debian's chromium (Playwright drives it and
# never downloads a browser of its own), Java for the Nu Html Checker, and the
# npm packages pinned in package-lock.json; the citation tests render the
# downloads with pandoc --citeproc.
CHROMIUM := /usr/bin/chromium
JAVA := /usr/bin/java
PANDOC := /usr/bin/pandoc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q

.PHONY: install install-dev install-test run serve test test-sqlite test-postgres lint format check bench clean

# The site needs the runtime requirements only; the tests add the dev ones.
$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# --ignore-scripts: vnu-jar's install script would fetch a Java runtime; we use the system's.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(APT_INSTALL) chromium

$(JAVA):
	$(SUDO) apt-get update -q
	$(APT_INSTALL) default-jre-headless

$(PANDOC):
	$(SUDO) apt-get update -q
	$(APT_INSTALL) pandoc

# Running the site needs only the Python packages; the tests need the browser tools too.
install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-test: install-dev node_modules/.installed $(CHROMIUM) $(JAVA) $(PANDOC)

## Set up and serve the site on SQLite with the seed corpus, at http://127.0.0.1:8000/
run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py load_corpus
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## Production mode: settings from the environment (docs/operations.md), gunicorn + whitenoise
BIND ?= 127.0.0.1:8000
GUNICORN_WORKERS ?= $(shell echo $$((2 * $$(nproc) + 1)))
serve: install
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/gunicorn corpus_site.wsgi --bind $(BIND) --workers $(GUNICORN_WORKERS) --timeout 60

# Two pytest-xdist workers, one per core of the project's machine: the suite
# (browser page walks, Schemathesis, two databases in CI) stays well inside
# CI's 25 minutes. PYTEST_ARGS= runs it in one process.
PYTEST_ARGS ?= -n 2

## Set up and run the whole test suite (SQLite unless DATABASE_URL says otherwise)
test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

test-sqlite: install-test
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install-test
	DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: lint
	$(BIN)/lint-imports
	$(DEV_ENV) $(BIN)/python manage.py check
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	rm -f $(CHECK_DB) && $(DEV_ENV) DATABASE_URL=sqlite:///$(CHECK_DB) $(BIN)/python manage.py migrate -v0
	$(DEV_ENV) DATABASE_URL=sqlite:///$(CHECK_DB) $(BIN)/python manage.py check_corpus fixtures/ --texts $(TEXTS) -v0

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 db.sqlite3-* test-artifacts
