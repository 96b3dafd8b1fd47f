# Two set-up commands: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.keepwf-installed

# Debian packages the tests use (real peers, not fakes: prometheus for the query providers, prometheus-alertmanager
# sending real webhooks to serve); installed once, with sudo when not root.
APT_PACKAGES := faketime chromium openssl prometheus prometheus-alertmanager
APT := $(shell [ "$$(id -u)" = 0 ] || echo sudo) env DEBIAN_FRONTEND=noninteractive apt-get
# The pass under a shifted clock and time zone (issue 9): 400 days ahead crosses a leap day and a year boundary, and
# UTC+14 puts "today" on another date than UTC. The modules below are the ones that print, compare or decide by dates
# and times (tables, ages, prunes, run order, intervals, stale locks, canary steps, forged-record checks); pure
# modules (engine, validator, providers) take their clock as an argument and are left out to keep the suite fast.
SHIFTED_CLOCK := TZ=Pacific/Kiritimati faketime -f '+400d'
SHIFTED_TESTS := tests/test_tutorial.py tests/test_demo.py tests/test_runs_cli.py tests/test_runs_table.py \
                 tests/test_run_history.py tests/test_deploy.py tests/test_release.py tests/test_versions_refs.py \
                 tests/test_runlog_concurrency.py tests/test_runlog_store.py tests/test_sync_versions.py \
                 tests/test_prune_restore.py tests/test_incident_tools.py tests/test_canary.py \
                 tests/test_acceptance_runs.py tests/test_acceptance_versions.py tests/test_scenario_runs.py \
                 tests/test_scenario_versions.py tests/test_serve.py tests/test_hardening_forged_runs.py \
                 tests/test_hardening_stale_locks.py tests/test_runs_follow.py tests/test_team_flow.py \
                 tests/test_team_gate.py tests/test_team_health.py tests/test_triggers.py tests/test_reviews.py

.PHONY: demo test test-fast test-shifted-clock system-packages bench venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/demo.sh

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing Debian packages for the tests: $$missing"; \
	  $(APT) update -qq && $(APT) install -y -qq $$missing >/dev/null; fi

# Everything (on both cores: pytest-xdist), then the clock-sensitive part again under a shifted clock and time zone.
PYTEST := $(PY) -m pytest -q -n 2
test: $(STAMP) system-packages
	$(PYTEST)
	$(MAKE) --no-print-directory test-shifted-clock

# The quick loop while developing: everything but the end-to-end tests marked slow.
test-fast: $(STAMP)
	$(PYTEST) -m "not slow"

test-shifted-clock: $(STAMP) system-packages
	$(SHIFTED_CLOCK) $(PYTEST) -p no:cacheprovider $(SHIFTED_TESTS)

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
