# fleetpatch: the two commands a new user runs are `make run` and `make check`.
# Everything else here is for developers. Build trees live under build/.

JOBS ?= $(shell nproc)
CMAKE ?= cmake
GEN := -G Ninja

RELEASE_DIR := build/release
CHECK_DIR   := build/check
FUZZ_DIR    := build/fuzz
LINT_DIR    := build/lint
FUZZ_SECONDS ?= 600

.PHONY: all deps build run check test format format-check lint bench bench-server demo-data fuzz fuzz-build clean

all: build

deps:
	@scripts/install-deps.sh

# Optimised build used by `make run` and `make bench`.
$(RELEASE_DIR)/build.ninja: CMakeLists.txt | deps
	$(CMAKE) -S . -B $(RELEASE_DIR) $(GEN) -DCMAKE_BUILD_TYPE=Release -DFLEETPATCH_TESTS=OFF -DFLEETPATCH_BENCH=ON

build: deps $(RELEASE_DIR)/build.ninja
	$(CMAKE) --build $(RELEASE_DIR) -j $(JOBS)

# The main job on its embedded defaults.
run: build
	$(RELEASE_DIR)/fleetpatch demo

# Tests: AddressSanitizer + UBSan build, every test, then the formatting check.
$(CHECK_DIR)/build.ninja: CMakeLists.txt | deps
	$(CMAKE) -S . -B $(CHECK_DIR) $(GEN) -DCMAKE_BUILD_TYPE=Debug -DFLEETPATCH_SANITIZE=ON -DFLEETPATCH_TESTS=ON

check: deps $(CHECK_DIR)/build.ninja
	$(CMAKE) --build $(CHECK_DIR) -j $(JOBS)
	cd $(CHECK_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600
	@$(MAKE) --no-print-directory format-check

test: check

SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)

format:
	clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run -Werror $(SOURCES) && echo "format-check: clean"

# clang-tidy over every source (scripts/lint.sh), JOBS files at a time. Its compile database is
# build/lint: configured with the tests, benchmarks and fuzz targets on (clang, as for fuzzing)
# so that it lists every file, and reconfigured on each run so that it lists new ones; nothing is
# built there.
$(LINT_DIR)/build.ninja: CMakeLists.txt | deps
	CC=clang CXX=clang++ $(CMAKE) -S . -B $(LINT_DIR) $(GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DFLEETPATCH_TESTS=ON -DFLEETPATCH_BENCH=ON -DFLEETPATCH_FUZZ=ON

lint: $(LINT_DIR)/build.ninja
	@$(CMAKE) -S . -B $(LINT_DIR) >/dev/null
	scripts/lint.sh $(LINT_DIR) $(JOBS)

bench: build
	scripts/bench.sh $(RELEASE_DIR)

# The fleet server: report throughput over HTTP and re-evaluation of 300,000 stored hosts, for
# SQLite and PostgreSQL (scripts/bench-server.sh).
bench-server: build
	scripts/bench-server.sh $(RELEASE_DIR)

# Regenerates the demo snapshot shipped in data/ from the shared feeds (data/README.md).
SHARED_DATA ?= ../shared/data
demo-data: build
	$(RELEASE_DIR)/bench/make_demo_data --osv $(SHARED_DATA)/almalinux-osv \
	  --kev $(SHARED_DATA)/cisa-kev --out data

$(FUZZ_DIR)/build.ninja: CMakeLists.txt | deps
	CC=clang CXX=clang++ $(CMAKE) -S . -B $(FUZZ_DIR) $(GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLEETPATCH_FUZZ=ON -DFLEETPATCH_TESTS=OFF

fuzz-build: deps $(FUZZ_DIR)/build.ninja
	$(CMAKE) --build $(FUZZ_DIR) -j $(JOBS)

# Runs every fuzz target for FUZZ_SECONDS each (default 600).
fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

clean:
	rm -rf build
