# Two set-up commands: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.keepwf-installed

# Debian packages the tests use (real peers, not fakes); installed once, with sudo when not root.
APT_PACKAGES := faketime chromium openssl prometheus-alertmanager
APT := $(shell [ "$$(id -u)" = 0 ] || echo sudo) env DEBIAN_FRONTEND=noninteractive apt-get
# The pass under a shifted clock and time zone (issue 9): 400 days ahead crosses a leap day and a year boundary, and
# UTC+14 puts "today" on another date than UTC. Pure modules (engine, validator) take their clock as an argument.
SHIFTED_CLOCK := TZ=Pacific/Kiritimati faketime -f '+400d'
SHIFTED_TESTS := tests --ignore=tests/engine --ignore=tests/test_validate_property.py \
                 --ignore=tests/test_validate_examples.py --ignore=tests/test_schema.py

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

# Everything, then the clock-sensitive part again under a shifted clock and time zone.
test: $(STAMP) system-packages
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory test-shifted-clock

# The quick loop while developing: everything but the end-to-end tests marked slow.
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

test-shifted-clock: $(STAMP) system-packages
	$(SHIFTED_CLOCK) $(PY) -m pytest -q -p no:cacheprovider $(SHIFTED_TESTS)

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
