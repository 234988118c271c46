# wamr-mpy: the two commands in README.md are `make run` and `make test`.
# Both set everything up first (tools/setup is idempotent and quick once done).

VENV        ?= .venv
MICROPYTHON := $(VENV)/bin/micropython
PYTEST      := $(VENV)/bin/python -m pytest
# parallel pytest workers (pytest-xdist); `make test JOBS=1` runs serially
JOBS        ?= auto
PYTEST_ARGS ?=

.PHONY: help setup setup-test setup-bench run test test-full test-fast test-fleet test-boards-full spec bench fuzz fuzz-wasm3

help:
	@echo "make run        set up, then run samples/hello on the MicroPython unix port"
	@echo "make test       set up (also test tools), then run the test suite (CI's; < 30 min on 2 cores)"
	@echo "make test-full  the same plus the runs marked full (minutes more; see tests/conftest.py)"
	@echo "make test-fast  the test suite without the spec tests (all that read the spec data)"
	@echo "make spec       only the WebAssembly spec tests, 2.0 and 3.0 (tools/spectest --suite all)"
	@echo "make test-fleet the MQTT fleet soak (100 devices; docs/fleet.md)"
	@echo "make bench      the benchmarks (tools/bench; BENCH_ARGS=--quick: minutes)"
	@echo "make fuzz       long fuzz campaigns (tools/fuzz; FUZZ_TIME seconds each, from FUZZ_SEED0)"
	@echo "make fuzz-wasm3 binaryen modules with Wasm 3.0 features vs wasmtime, 500 per tier (TTF3_SEEDS)"
	@echo "make test-boards-full  the whole spec suite on the emulated boards and on ARM Linux"
	@echo "make setup      only the .venv (tools/setup)"

setup:
	@VENV=$(VENV) tools/setup

setup-test:
	@VENV=$(VENV) tools/setup --test

setup-bench:
	@VENV=$(VENV) tools/setup --bench

run: setup
	$(MICROPYTHON) -m wamr_mpy samples/hello/hello.wasm

test: setup-test
	$(PYTEST) -n $(JOBS) -m "not full" --durations=30 $(PYTEST_ARGS) tests

test-full: setup-test
	$(PYTEST) -n $(JOBS) --durations=30 $(PYTEST_ARGS) tests

test-fast: setup-test
	$(PYTEST) -n $(JOBS) -m "not spec" $(PYTEST_ARGS) tests

test-fleet: setup-test
	WAMR_FLEET_SOAK=1 $(PYTEST) -n 0 -s $(PYTEST_ARGS) tests/test_fleet.py tests/test_fleet_soak.py

# the whole spec suite on each emulated board and tier (tests/test_qemu_spec.py)
# and on 32-bit ARM Linux (tests/test_unix32_arm.py, as x86 runs it), 100 generated
# modules per board and tier (tests/test_qemu_diff.py); `make test` runs a part of each
# (on ARM Linux the whole suite, the cheap way: docs/boards.md)
test-boards-full: setup-test
	WAMR_BOARDS_FULL=1 $(PYTEST) -n $(JOBS) -s $(PYTEST_ARGS) tests/test_qemu_spec.py tests/test_qemu_diff.py tests/test_unix32_arm.py

spec: setup
	tools/spectest --suite all

# tools/bench with its yardsticks (requirements-bench.txt: wasm3) installed;
# BENCH_ARGS: its options, e.g. --quick or --update-md
bench: setup-bench
	$(VENV)/bin/python tools/bench $(BENCH_ARGS)

# tools/fuzz: every campaign for FUZZ_TIME seconds from seed FUZZ_SEED0
# (docs/testing-differential.md); niced, it shares the machine
FUZZ_TIME   ?= 3600
FUZZ_SEED0  ?= 0
FUZZ_ARGS   ?=
fuzz: setup-test
	nice -n 10 tools/fuzz --seeds $(FUZZ_SEED0): --time $(FUZZ_TIME) $(FUZZ_ARGS)

# tools/fuzz ttf --features 3.0: binaryen -ttf modules with SIMD, tail calls,
# tags, a 64-bit memory and a second memory against wasmtime on every tier
# (docs/testing-differential.md); seeds TTF3_SEEDS, niced
TTF3_SEEDS  ?= 0:500
fuzz-wasm3: setup-test
	nice -n 10 tools/fuzz ttf --features 3.0 --seeds $(TTF3_SEEDS) $(FUZZ_ARGS)
