# The two commands a new user needs: `make run` and `make test`.
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CONFIG ?= config/herd.toml

.PHONY: setup build run test test-sanitize fuzz clean

setup:
	scripts/setup.sh

build: setup
	cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DHERD_WERROR=ON -DHERD_SANITIZE=OFF -DHERD_TESTS=ON >/dev/null
	cmake --build build -j $(JOBS)

run: build
	build/herd up --config $(CONFIG)

# Each test ends within CTEST_TIMEOUT seconds (the integration tests set 60 of their own), and
# finding no tests is a failure, not a pass.
CTEST_TIMEOUT ?= 300
CTEST = ctest --output-on-failure --no-tests=error --timeout $(CTEST_TIMEOUT) -j $(JOBS)

test: build
	$(CTEST) --test-dir build

# The same tests on a Debug build under AddressSanitizer and UndefinedBehaviorSanitizer,
# with libstdc++'s bounds checks.
test-sanitize: setup
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DHERD_SANITIZE=ON -DHERD_WERROR=ON -DHERD_TESTS=ON >/dev/null
	cmake --build build-sanitize -j $(JOBS)
	$(CTEST) --test-dir build-sanitize

# libFuzzer (clang) on the client line parser and the peer-link decoder, bounded in time: each
# harness runs FUZZ_SECONDS, and one input taking over 10 s counts as a failure (a hang). What
# it finds is written under build-fuzz/.
FUZZ_SECONDS ?= 30
FUZZ_FLAGS = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -artifact_prefix=build-fuzz/ -print_final_stats=1
fuzz: setup
	cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-fuzz -j $(JOBS)
	mkdir -p build-fuzz/found-client build-fuzz/found-peer
	build-fuzz/client_line_fuzz $(FUZZ_FLAGS) build-fuzz/found-client fuzz/corpus/client
	build-fuzz/peer_message_fuzz $(FUZZ_FLAGS) build-fuzz/found-peer fuzz/corpus/peer

clean:
	rm -rf build build-sanitize build-fuzz
