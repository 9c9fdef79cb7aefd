# Two commands: `make run` (the whole system with demo data) and `make test` (the full suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test lint install lock migrate demo clean bench messages

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（找不到 $(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Exactly the versions CI tested (requirements.lock), then the project itself without resolving again.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

# After changing a dependency in pyproject.toml: pin the new set (commit requirements.lock with it).
lock: install
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

migrate: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo

# Web app, Celery worker and Celery beat together on http://127.0.0.1:$(PORT); Ctrl-C stops all three.
run: demo
	@echo "社会治理中心：http://127.0.0.1:$(PORT)/  （演示账号见 README；Ctrl-C 停止）"
	DEBUG=$${DEBUG:-1} PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile start --port $(PORT)

lint: install
	$(BIN)/ruff check .

# The suite in several processes (pytest-xdist): at least three, since the live tests (conftest.py)
# hold one while they wait on real clocks; TEST_PROCESSES=1 runs it in one.
TEST_PROCESSES ?= $(shell $(PYTHON) -c "import os; print(max(3, os.cpu_count() or 1))")

test: install lint
	@DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run >/dev/null || \
		{ echo "有未生成的数据库迁移（或配置错误，见上）：请运行 manage.py makemigrations"; exit 1; }
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadscope

# After adding or changing a translatable string: refresh the English catalogue (file names without
# line numbers, so the diff shows only changed messages), translate every new or fuzzy entry in
# locale/en/LC_MESSAGES/django.po, then run it again to compile (governance/tests/test_translations.py checks).
messages: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py makemessages -l en --add-location file --no-obsolete \
		--ignore=.venv --ignore=var --ignore=benchmarks --ignore=tests
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py makemessages -d djangojs -l en --add-location file --no-obsolete \
		--ignore=.venv --ignore=var --ignore=benchmarks --ignore=tests --ignore=static/vendor
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py compilemessages --ignore=.venv

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) var/db.sqlite3 var/broker var/celerybeat-schedule* var/staticfiles
