# The platform's commands. `make run` and `make test` are the two that matter.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
ILP_DATA_DIR ?= $(CURDIR)/.data
export ILP_DATA_DIR PORT

.PHONY: run test test-fast lint format bench venv clean migrate seed messages fuzz

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# SCENARIO=training loads the fictional training scenario instead of the demo data (in
# LANGUAGE, e.g. LANGUAGE=fr) on a fresh data dir: docs/guides/training.md.
SCENARIO ?= demo
run: $(STAMP)
	@mkdir -p "$(ILP_DATA_DIR)"
	$(BIN)/python manage.py migrate --noinput -v 0
	@if [ ! -f "$(ILP_DATA_DIR)/.seeded" ]; then \
		if [ "$(SCENARIO)" = "training" ]; then \
			$(BIN)/python manage.py seed_training $(if $(LANGUAGE),--language $(LANGUAGE)); \
		else \
			$(BIN)/python manage.py seed_demo; \
		fi && touch "$(ILP_DATA_DIR)/.seeded"; \
	fi
	$(BIN)/python manage.py run_platform --port $(PORT)

# Whole suite. With DATABASE_URL / REDIS_URL set it runs on PostgreSQL and Redis. Tests run in
# parallel, one process per core (pytest-xdist, a database per process); tests sharing a
# Celery broker, the database server or the browser journeys' platform run in one group.
# PARALLEL= (empty) runs them in one process.
PARALLEL ?= -n auto
test: $(STAMP)
	ILP_ENV=test $(BIN)/python -m pytest $(PARALLEL) $(PYTEST_ARGS)

# The API fuzzing at full strength: 50 generated cases per operation for every role (CI runs a
# few per operation inside `make test`). Needs DATABASE_URL and REDIS_URL for PostgreSQL.
fuzz: $(STAMP)
	ILP_ENV=test ILP_FUZZ_EXAMPLES=50 ILP_FUZZ_ROLE_EXAMPLES=50 $(BIN)/python -m pytest \
		-m fuzz tests/security/test_api_fuzz.py $(PYTEST_ARGS)

# The layers test fails on any import cycle between files or parts, or an import against the
# layers (docs/architecture.md). mypy is configured in pyproject.toml; it runs without its incremental cache because the
# Django plugin reads the settings when it runs, and a cached module misses a setting's new type.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ILP_ENV=test $(BIN)/mypy --cache-dir=/dev/null
	ILP_ENV=test $(BIN)/python -m pytest -q -p no:cacheprovider -p no:randomly tests/core/test_layers.py
	ILP_ENV=test $(BIN)/python manage.py check
	ILP_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run
	ILP_ENV=test $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

seed: $(STAMP)
	$(BIN)/python manage.py seed_demo

# Refresh the translation catalogues after changing user-facing strings, then compile them.
# The compiled .mo files are committed, so a deployment needs no gettext tools.
messages: $(STAMP)
	ILP_ENV=test $(BIN)/python manage.py makemessages -l en -l fr -l de -l it -l ru -l es --no-obsolete --add-location=file \
		--ignore='.venv/*' --ignore='static/vendor/*' --ignore='staticfiles/*' --ignore='tests/*' \
		--ignore='benchmarks/*'
	ILP_ENV=test $(BIN)/python manage.py makemessages -d djangojs -l en -l fr -l de -l it -l ru -l es --no-obsolete \
		--add-location=file --ignore='.venv/*' --ignore='static/vendor/*' --ignore='staticfiles/*' \
		--ignore='tests/*' --ignore='benchmarks/*'
	ILP_ENV=test $(BIN)/python manage.py compilemessages --ignore='.venv/*'

# Benchmarks on PostgreSQL (DATABASE_URL names the server; a bench_<scale> database is built
# from a seed when missing). SCALE=S|M|L; prints one table, writes benchmarks/results/.
SCALE ?= M
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache staticfiles
