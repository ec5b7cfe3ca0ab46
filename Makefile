# gatehouse front door. Every target installs what is missing first.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: deps build test unit integration fuzz demo bench clean format

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja $(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -E '^integration$$'

integration: build
	bash scripts/install-test-clients.sh
	cd $(BUILD) && ctest --output-on-failure -R '^integration$$'

fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

# The whole suite: unit tests, a short fuzz pass, then unit + integration under ctest.
test: build
	bash scripts/install-test-clients.sh
	bash scripts/fuzz.sh 20
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	bash scripts/demo.sh

bench: build
	bash bench/pgbench.sh

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'fuzz/*.cpp' 'bench/*.cpp')

clean:
	rm -rf $(BUILD) build-fuzz
