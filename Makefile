# The two commands of the README: `make test` and `make bench`. Both install what is missing
# (toolchain/deps.sh), configure and build first. Everything else is CMake's, including
# `make install` / `make uninstall` / `make package` (packaging/CMakeLists.txt).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps build test bench runtimes codegen spec-all fuzz format clean install uninstall package

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

# Codegen report: sizes, hot-loop disassembly and callgrind instruction counts, native vs
# translated per configuration, into $(BUILD)/codegen/report.{md,html} (bench/codegen/).
# QUICK=1: three configurations, fewer rounds (a couple of minutes; also a ctest test).
codegen: build
	$(BENCH_PYTHON) bench/codegen/codegen.py --build $(BUILD) $(if $(QUICK),--quick)

# The spec suite (../shared/testdata/spec-testsuite-2025: core with SIMD, and the proposals) in
# every configuration wasmaot offers: -O0..-O3 x guard/check x gcc/clang/clang-16, and
# --sanitize (gcc -O2 with explicit checks, host side under ASan+UBSan) over every script.
# ctest runs only the default with guard pages and with explicit checks, gcc -O2 with guard
# pages, and --sanitize over a subset (tests/spec/CMakeLists.txt).
SPEC_SUITE ?= ../shared/testdata/spec-testsuite-2025
# NOBUILD=1: use BUILD as it is (the tests run these targets against the build under test).
PREREQ := $(if $(NOBUILD),,build)

# quick:0:BOUNDS is the quick tier (`--tier quick`: tcc when installed, README, Tiers).
SPEC_CONFIGS ?= $(foreach cc,gcc clang clang-16,$(foreach o,0 1 2 3,$(foreach b,guard check,$(cc):$(o):$(b)))) gcc:2:check:sanitize quick:0:guard quick:0:check
spec-all: $(PREREQ)
	@fail=0; for c in $(SPEC_CONFIGS); do set -- $$(echo $$c | tr : ' '); \
	  log=$(BUILD)/tests/spec/$$1-O$$2-$$3$${4:+-san}.log; \
	  if [ "$$1" = quick ]; then build="--tier quick"; else build="--cc $$1 -O$$2"; fi; \
	  python3 tests/spec/spec_runner.py --build $(BUILD) --suite $(SPEC_SUITE) --jobs $(JOBS) \
	    $(if $(SPEC_SCRIPTS),--scripts $(SPEC_SCRIPTS)) \
	    -- $$build --bounds $$3 $${4:+--sanitize} >$$log 2>&1 || fail=1; \
	  echo "$$1 -O$$2 $$3$${4:+ sanitize}: $$(tail -n 1 $$log)  (details: $$log)"; done; exit $$fail

# Installing: PREFIX (default /usr/local) and DESTDIR (staging) as usual. The build is configured
# only if it never was and otherwise just brought up to date (a no-op after `make`), so
# `make && sudo make install` writes nothing as root into the build tree.
PREFIX ?= /usr/local

$(BUILD)/CMakeCache.txt:
	@$(MAKE) --no-print-directory build

install: $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j$(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# Removes what the last `make install` wrote (its list: $(BUILD)/install_manifest.txt), under
# the same DESTDIR.
uninstall:
	DESTDIR="$(DESTDIR)" cmake -DMANIFEST=$(BUILD)/install_manifest.txt -P packaging/uninstall.cmake

# The Debian package, $(BUILD)/package/wasmaot_VERSION_ARCH.deb (apt install ./that.deb).
package: build
	cd $(BUILD) && cpack -G DEB

# The fuzz targets (tests/fuzz/), each for FUZZ_SECONDS, with a summary: inputs tried, findings.
# `make test` runs them for 60 s each (WASMAOT_FUZZ_SECONDS in CMake, $$FUZZ_SECONDS at test time).
FUZZ_SECONDS ?= 1800
fuzz: $(PREREQ)
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run_fuzz.sh --build $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
