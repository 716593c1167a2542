# trainscope: the README's two commands, and a few helpers.
#   make demo   build (release) and open the live dashboard on the built-in default run (q quits)
#   make test   the whole test suite
#   make install [PREFIX=/usr/local] [DESTDIR=]   the binary, its themes, man page and shell completions
SWIFT       ?= swift
RELEASE_BIN := .build/release/trainscope
# One BLAS thread: small GEMMs lose with threads, and results stay reproducible.
export OPENBLAS_NUM_THREADS ?= 1

PREFIX      ?= /usr/local
SHARE       := $(DESTDIR)$(PREFIX)/share

.PHONY: demo test build deps clean install

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release --product trainscope

demo: build
	$(RELEASE_BIN) run --preset grokking

test: deps
	$(SWIFT) test --explicit-target-dependency-import-check error
	@# The Python package against the binary `swift test` just built, in .venv-python.
	TRAINSCOPE_BIN=.build/debug/trainscope scripts/python-tests.sh

# The binary finds its themes in PREFIX/share/trainscope/themes, beside its own bin/ folder.
install: build
	$(SWIFT) package plugin generate-manual
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/trainscope/themes $(SHARE)/man/man1 \
		$(SHARE)/bash-completion/completions $(SHARE)/zsh/site-functions $(SHARE)/fish/vendor_completions.d
	install -m 755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/trainscope
	install -m 644 Themes/*.theme $(SHARE)/trainscope/themes/
	install -m 644 .build/plugins/GenerateManual/outputs/trainscope/trainscope.1 $(SHARE)/man/man1/trainscope.1
	$(RELEASE_BIN) --generate-completion-script bash > $(SHARE)/bash-completion/completions/trainscope
	$(RELEASE_BIN) --generate-completion-script zsh > $(SHARE)/zsh/site-functions/_trainscope
	$(RELEASE_BIN) --generate-completion-script fish > $(SHARE)/fish/vendor_completions.d/trainscope.fish

clean:
	rm -rf .build
