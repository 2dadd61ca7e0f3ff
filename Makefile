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

bench: build
	python3 bench/bench.py --build $(BUILD) $(if $(QUICK),--quick)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
