# The two commands of the README, and a few more for developers.
#   make demo    a whole centre on this machine, on fake hardware
#   make test    lint and the whole test suite, against a real broker and browser

VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
# Stamps: every role (enough for the demo), and every role with the test tools.
RUN    := $(VENV)/.motcua-all
STAMP  := $(VENV)/.motcua-dev

.PHONY: demo test lint pytest bench faults pictures rehearse system-packages-dev system-packages-demo clean

# make demo SPEED=20   (the day 20 times faster)   make demo ARGS="--resume --seed 1"
demo: system-packages-demo $(RUN)
	$(BIN)/motcua demo $(if $(SPEED),--speed $(SPEED)) $(ARGS)

test: system-packages-dev $(STAMP) lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .

pytest: $(STAMP)
	$(BIN)/pytest

bench: system-packages-dev $(STAMP)
	$(BIN)/python bench/roundtrip.py
	$(BIN)/python bench/dossiers.py
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/kiosk_screens.py
	$(BIN)/python bench/security.py
	$(BIN)/python bench/queue_engine.py
	$(BIN)/python bench/queue_engine.py --pin 1
	$(BIN)/python bench/queue_store.py
	$(BIN)/python bench/waits.py
	$(BIN)/python bench/nodes.py
	$(BIN)/python bench/display.py
	$(BIN)/python bench/counter.py
	$(BIN)/python bench/dispenser.py
	$(BIN)/python bench/fees.py
	$(BIN)/python bench/period_stats.py
	$(BIN)/python bench/province.py
	$(BIN)/python bench/province_ingest.py
	$(BIN)/python bench/national.py
	$(BIN)/python bench/appointments.py

# Every fault scenario at full length (~10 min on 2 cores), results in docs/reliability.md.
# Runs as root: the disk-full scenario mounts a small tmpfs for the hub's database.
faults: system-packages-dev $(STAMP)
	$(BIN)/python -m tests.fault_suite

# The Raspberry Pi rehearsal (as root; not part of make test): the real playbook
# on 64-bit ARM Debian roots under qemu-user, then every node role at work
# against a hub on this machine. See docs/operations.md for its figures.
rehearse: $(STAMP)
	$(BIN)/python provisioning/rehearsal/rehearse.py

# The README's pictures (docs/img/), rendered by motcua itself.
pictures: system-packages-dev $(STAMP)
	$(BIN)/python docs/pictures.py

system-packages-dev:
	@sh provisioning/system-packages.sh dev

system-packages-demo:
	@sh provisioning/system-packages.sh demo

# The virtual environment, brought up to date when the dependencies change.
$(VENV)/bin/pip:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "motcua needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN): pyproject.toml | $(VENV)/bin/pip
	$(BIN)/pip install --quiet -e '.[all]'
	touch $@

$(STAMP): pyproject.toml | $(VENV)/bin/pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(RUN)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
