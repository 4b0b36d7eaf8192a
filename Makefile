# Two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true
# The demo's own pseudonym key, set explicitly (the pipeline has no default key; production sets a
# secret one in /etc/p3jr/p3jr.env).
export P3JR_PSEUDONYM_KEY ?= p3jr-demo-bukan-rahasia
LANDING ?= sources/landing
DATA ?= data
SCALE ?= demo
# The parsed dbt project (see $(DBT_MANIFEST) below) and the files it is parsed from, with their folders
# (a deleted file makes its folder newer).
DBT_MANIFEST := dbt_project/target/manifest.json
DBT_PROJECT_FILES := $(shell find dbt_project -mindepth 1 \( -path dbt_project/target -o -path dbt_project/logs \) -prune -o -print)

.PHONY: install test-deps demo run ui test lint bench dbt-parse docs clean chromium postgres libreoffice

# Runtime only (what a production server gets): the pipeline plus the [deploy] extra (Postgres).
$(BIN)/p3jr: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[deploy]"
	touch $(BIN)/p3jr

install: $(BIN)/p3jr $(DBT_MANIFEST)

# The test extras (pytest, playwright driver, psutil, openpyxl) only where tests run.
$(VENV)/.test-deps: $(BIN)/p3jr
	$(BIN)/pip install --quiet -c constraints.txt -e ".[deploy,test]"
	touch $@

test-deps: $(VENV)/.test-deps

# The dbt manifest is built at install time, never committed; its parse state (through p3jr-dbt, as the
# pipeline runs dbt) is what a new warehouse's first build starts from. Parsed again only when a file of
# the project (not its target/ or logs/) or the installed packages are newer than it.
$(DBT_MANIFEST): $(BIN)/p3jr $(DBT_PROJECT_FILES)
	cd dbt_project && DBT_PROFILES_DIR=. ../$(BIN)/p3jr-dbt parse --quiet
	touch $@

dbt-parse: $(DBT_MANIFEST)

demo: install
	@if [ -z "$$(find $(LANDING) -mindepth 2 -type f 2>/dev/null | head -1)" ]; then \
	  $(BIN)/p3jr generate --scale $(SCALE) --seed 1 --out $(LANDING); fi
	$(BIN)/p3jr run --landing $(LANDING) --data-dir $(DATA)

run: install
	$(BIN)/p3jr run --landing $(LANDING) --data-dir $(DATA)

ui: install
	mkdir -p $(DATA)/dagster && cp dagster.yaml $(DATA)/dagster/dagster.yaml
	DAGSTER_HOME=$(abspath $(DATA))/dagster P3JR_DATA_DIR=$(abspath $(DATA)) P3JR_LANDING_DIR=$(abspath $(LANDING)) \
	  $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# The UI test drives Debian's chromium (never a downloaded browser); install it when missing (root, as CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
	  { test "$$(id -u)" = 0 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "chromium is missing: run 'apt-get install -y chromium' as root" >&2; exit 1; }

# The deployment tests start a real PostgreSQL server from Debian's package; install it when missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  { test "$$(id -u)" = 0 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || \
	  { echo "PostgreSQL is missing: run 'apt-get install -y postgresql' as root" >&2; exit 1; }

# The rendering tests convert the workbooks to PDF with Debian's LibreOffice (headless) and read the pages
# with poppler-utils (pdftotext, pdftoppm); install them when missing.
libreoffice:
	@{ command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; } || \
	  { test "$$(id -u)" = 0 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui poppler-utils >/dev/null; } || \
	  { echo "LibreOffice is missing: run 'apt-get install -y libreoffice-calc-nogui poppler-utils' as root" >&2; exit 1; }

# Python: ruff lint + format check; SQL: sqlfluff with the dbt templater (compiles against an
# in-memory DuckDB, so no warehouse is needed).
PY_SOURCES := orchestration sources tools tests bench
lint: test-deps
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	cd dbt_project && P3JR_WAREHOUSE_PATH=:memory: ../$(BIN)/sqlfluff lint models tests/singular --processes 2

# (`install` has made the manifest the tests load current: parsed again if the dbt project changed.)
test: install test-deps chromium postgres libreoffice lint
	$(BIN)/pytest -q -p no:cacheprovider --durations=25 -n 2 --dist loadgroup --no-loadscope-reorder

bench: install test-deps
	$(BIN)/python bench/run_bench.py --scale ntt --sizes 1,2

clean:
	rm -rf $(DATA) dbt_project/target

# The column dictionary for analysts, generated from the dbt docs (never retyped).
docs: dbt-parse
	$(BIN)/python -c "from pathlib import Path; from orchestration.lib.publish.data_dictionary import write_data_dictionary as w; w(Path('dbt_project/target/manifest.json'), Path('docs/kamus_data.md'))"
