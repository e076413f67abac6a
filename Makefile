# Jianjian: the two commands a newcomer needs.
#   make run   install, migrate a SQLite database under instance/, load demo data once, serve on :5000
#   make test  install and run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
export FLASK_APP := wsgi

.PHONY: run test install install-dev translations browser db demo clean bench

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip 'setuptools<81' wheel
	# --no-build-isolation: XStatic-Bootstrap's sdist still needs pkg_resources from setuptools<81
	$(PY) -m pip install -q --no-build-isolation -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q --no-build-isolation -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime translations
install-dev: $(VENV)/.dev translations

MO_FILES := $(patsubst %.po,%.mo,$(wildcard app/translations/*/LC_MESSAGES/messages.po))

translations: $(MO_FILES)

# Compiled only when its catalogue changed: CI's two test lanes share one checkout, and a catalogue rewritten while
# the other lane's tests read it could be read half-written.
app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(VENV)/.runtime
	$(VENV)/bin/pybabel compile -l $* -d app/translations >/dev/null

db: install
	mkdir -p instance
	$(PY) -m flask db upgrade

demo: db
	$(PY) -m flask seed-demo

run: demo
	$(PY) -m flask demo-logins
	SCHEDULER=1 $(PY) -m flask run --host 127.0.0.1 --port 5000

browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; } || echo "chromium not installed: the browser test will be skipped"

# TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test runs the same suite on PostgreSQL.
test: install-dev browser
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache test-output

# Measure pages over HTTP through gunicorn on generated data (bench/README.md). Not part of `make test`.
CASES    ?= 100000
BENCH_DB ?= sqlite:///$(CURDIR)/bench/data/bench-$(CASES).db
bench: install-dev
	$(PY) bench/generate.py --cases $(CASES) --database-url $(BENCH_DB)
	$(PY) bench/run.py --database-url $(BENCH_DB) --json bench/data/results.json
