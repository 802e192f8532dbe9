# The two commands a new user needs: `make run` and `make test`.
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CONFIG ?= config/herd.toml

.PHONY: setup build run test test-sanitize clean

setup:
	scripts/setup.sh

build: setup
	cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DHERD_WERROR=ON >/dev/null
	cmake --build build -j $(JOBS)

run: build
	build/herd up --config $(CONFIG)

test: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

# The same tests on a Debug build under AddressSanitizer and UndefinedBehaviorSanitizer.
test-sanitize: setup
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DHERD_SANITIZE=ON -DHERD_WERROR=ON >/dev/null
	cmake --build build-sanitize -j $(JOBS)
	ctest --test-dir build-sanitize --output-on-failure -j $(JOBS)

clean:
	rm -rf build build-sanitize
