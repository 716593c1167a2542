# trainscope: the README's two commands, and a few helpers.
#   make demo   build (release) and open the live dashboard on the built-in default run (q quits)
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
	$(RELEASE_BIN) run --preset grokking

test: deps
	$(SWIFT) test --explicit-target-dependency-import-check error
	@# The Python client against the binary `swift test` just built (standard library only).
	TRAINSCOPE_BIN=.build/debug/trainscope python3 -m unittest discover -s Tests/python

clean:
	rm -rf .build
