# trainscope: the README's two commands, and a few helpers.
#   make demo   build (release) and run the built-in default run (headless until the dashboard exists)
#   make test   the whole test suite
SWIFT       ?= swift
RELEASE_BIN := .build/release/trainscope
# One BLAS thread: small GEMMs lose with threads, and results stay reproducible.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: demo test build deps clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release --product trainscope

demo: build
	@echo "trainscope: the live dashboard is not built yet (issue #5); training the default run (grokking) headless."
	$(RELEASE_BIN) run --preset grokking --headless

test: deps
	$(SWIFT) test

clean:
	rm -rf .build
