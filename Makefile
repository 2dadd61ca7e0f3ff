# The two commands of the README: `make test` and `make bench`. Both install what is missing
# (toolchain/deps.sh), configure and build first. Everything else is CMake's.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps build test bench runtimes codegen format clean

all: build

deps:
	@toolchain/deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# Debian's python3: the one deps.sh gives matplotlib to (a pyenv/venv python on PATH may not have it).
BENCH_PYTHON ?= /usr/bin/python3

bench: build
	$(BENCH_PYTHON) bench/bench.py --build $(BUILD) $(if $(QUICK),--quick)

# Third-party wasm runtimes for the bench, pinned, into .runtimes/ (reused once installed).
runtimes:
	@bench/runtimes.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
