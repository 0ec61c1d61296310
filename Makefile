# The two commands: `make run` serves the whole product with demo data on
# http://127.0.0.1:8000; `make test` runs ruff, mypy and the whole test suite against a real
# PostgreSQL and Redis (and checks the apps' import contract). Both install what they need on a
# fresh Debian machine with Python 3.11.
SHELL := /bin/bash
VENV := .venv
UV := $(VENV)/bin/uv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test bench install messages makemessages lint format schema clean

# Python 3.11 venv with the pinned uv (installs python3-venv with apt when Debian lacks it).
$(UV):
	scripts/bootstrap.sh $(UV_VERSION)

# Everything from uv.lock, the test tools included (python-ldap is built from source: its
# headers and a compiler first, scripts/ensure_build_deps.sh).
install: $(UV)
	@scripts/ensure_build_deps.sh
	$(UV) sync --frozen --quiet

messages: install
	@command -v msgfmt >/dev/null || scripts/ensure_packages.sh gettext
	$(PY) manage.py compilemessages --ignore=.venv --verbosity 0

makemessages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=static/vendor --no-obsolete

run: messages
	scripts/run.sh

test: messages
	scripts/test.sh

bench: messages
	scripts/bench.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The OpenAPI schema, validated, into schema.yaml.
schema: install
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py spectacular --validate --fail-on-warn --file schema.yaml

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3 db.sqlite3-shm db.sqlite3-wal test-artifacts
