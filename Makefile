# The two commands a new user needs: `make run` and `make test`.
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CONFIG ?= config/herd.toml

.PHONY: setup build run test test-sanitize fuzz clean

setup:
	scripts/setup.sh

build: setup
	cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DHERD_WERROR=ON >/dev/null
	cmake --build build -j $(JOBS)

run: build
	build/herd up --config $(CONFIG)

test: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

# The same tests on a Debug build under AddressSanitizer and UndefinedBehaviorSanitizer,
# with libstdc++'s bounds checks.
test-sanitize: setup
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DHERD_SANITIZE=ON -DHERD_WERROR=ON >/dev/null
	cmake --build build-sanitize -j $(JOBS)
	ctest --test-dir build-sanitize --output-on-failure -j $(JOBS)

# libFuzzer (clang) on the client line parser and the peer-link decoder, bounded in time.
FUZZ_SECONDS ?= 30
fuzz: setup
	cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-fuzz -j $(JOBS)
	mkdir -p build-fuzz/found-client build-fuzz/found-peer
	build-fuzz/client_line_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build-fuzz/found-client fuzz/corpus/client
	build-fuzz/peer_message_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build-fuzz/found-peer fuzz/corpus/peer

clean:
	rm -rf build build-sanitize build-fuzz
