# Otasuke: `make demo` and `make test` are the two commands a newcomer needs. Both install
# missing Debian packages, configure and build into build/ (RelWithDebInfo; incremental on
# later runs), then run the demo or the tests.
#
# `make test` is what CI runs (.ci/run): the clang-format check (`make format-check`), the g++
# build and every ctest (`make check`), then the whole test suite under ASan + UBSan
# (`make asan`) and every libFuzzer target briefly from its committed seeds (`make fuzz-run`),
# both in the clang tree build-sanitize/
# (docs/FUZZING.md, "Status" has the times and the few tests labelled sanitize-skip).

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# The clang tree shared by the sanitized test suite and the fuzzers. -O1 and line tables only:
# sanitizer reports keep file:line stacks, and the tree builds markedly faster than -O2 -g.
SAN_DIR ?= build-sanitize
SAN_FLAGS = -O1 -gline-tables-only
FUZZ_SECONDS ?= 10
# ctest labels `make fuzz-run` runs: the corpus replays (fuzz) and the timed runs (fuzz-run).
FUZZ_LABELS ?= ^fuzz
# Lets ccache (used when installed) share objects between build trees of this checkout.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all deps configure build check test demo sanitize-build asan fuzz fuzz-run format format-check clean

all: build

deps:
	@tools/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

check: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

# `make asan` has already replayed every corpus: the fuzz step only fuzzes.
test: format-check
	$(MAKE) check
	$(MAKE) asan
	$(MAKE) fuzz-run FUZZ_LABELS=fuzz-run

demo: build
	tools/demo.sh $(BUILD_DIR)

$(SAN_DIR)/CMakeCache.txt:
	cmake -S . -B $(SAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_FLAGS_DEBUG="$(SAN_FLAGS)" \
	  -DCMAKE_CXX_FLAGS_DEBUG="$(SAN_FLAGS)" -DOTASUKE_FUZZ=ON -DOTASUKE_BUILD_BENCH=OFF \
	  -DOTASUKE_FUZZ_SECONDS=$(FUZZ_SECONDS)

sanitize-build: deps $(SAN_DIR)/CMakeCache.txt
	cmake --build $(SAN_DIR) -j$(JOBS)

# The whole test suite, and every fuzz corpus replay, under ASan + UBSan; tests labelled
# sanitize-skip are left to `make check` (each has its reason beside its label).
asan: sanitize-build
	cd $(SAN_DIR) && ctest --output-on-failure -j$(JOBS) -LE 'fuzz-run|sanitize-skip'

# Only the libFuzzer binaries ($(SAN_DIR)/fuzz/<target>); long runs: docs/FUZZING.md.
fuzz: deps $(SAN_DIR)/CMakeCache.txt
	cmake --build $(SAN_DIR) -j$(JOBS) --target fuzzers

# Each seed corpus replayed, then each fuzzer for FUZZ_SECONDS from its seeds, under ASan +
# UBSan; fails on any crash, leak, hang or sanitizer report.
fuzz-run: fuzz
	cd $(SAN_DIR) && ctest --output-on-failure -j$(JOBS) -L '$(FUZZ_LABELS)'

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

# Every C++ file as clang-format (.clang-format: Google, 100 columns) writes it; `make format`
# fixes what this reports.
format-check: deps
	git ls-files '*.h' '*.cc' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD_DIR) $(SAN_DIR)
