# sessiongate: one Makefile for every module of the workspace (go.work).
# Needs only Go (and a C compiler for -race); modules and pinned tools come
# from the Go module proxy.

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOCYCLO     := github.com/fzipp/gocyclo/cmd/gocyclo@v0.6.0
# Every module listed in go.work, in the order go.work lists them.
MODULES     := $(shell $(GO) work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p')

# Fuzz targets, as <package directory>:<FuzzName>; make fuzz runs each for
# FUZZTIME. Their seeds (f.Add and testdata/fuzz/<FuzzName>/) run with make test.
FUZZ_TARGETS := core:FuzzCheck core:FuzzBearer core:FuzzCookieValues \
                core:FuzzNormalizeCookieDomain core:FuzzParseJWKS \
                core:FuzzDPoPProof
FUZZTIME     ?= 30s
# Minimising each new interesting input may take up to this long, and no
# input is executed meanwhile: Go's default (60s) can swallow a 30s run.
FUZZMINIMIZETIME ?= 10s

# Mutation testing of core (not part of make test: it runs core's tests once
# per mutant, about 20 minutes here). One worker and a generous timeout
# coefficient, so a loaded 2-core machine neither starves nor reports slow
# runs as timed out. core/adaptertest is a suite the adapters run, not core's
# tests. Not --test-cpu: v0.6.0 passes "-cpu N" as one argument, the test
# binary refuses it and every mutant counts as killed. -count=1 keeps the
# coverage run, whose duration sets the per-mutant timeout, out of the cache.
GREMLINS      := github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
MUTATE_FLAGS  ?= --workers 1 --timeout-coefficient 10 --exclude-files 'adaptertest/'

# make issuer passes ISSUER_FLAGS on, e.g. ISSUER_FLAGS='-aud orders -cookie-domain example.test'.
ISSUER_FLAGS ?=

.PHONY: help test lint bench demo issuer tidy fuzz mutate

help:
	@echo "make demo   run the dev issuer, the five scenario examples and the own-sessions example on loopback, print what to open and curl lines"
	@echo "make issuer run the dev issuer on 127.0.0.1:8081 (key kept in your config dir; ISSUER_FLAGS=... for more, -h lists them)"
	@echo "make test   lint, then test every module with the race detector"
	@echo "make lint   gofmt, go vet, staticcheck ($(STATICCHECK)) and gocyclo (none over 15) on every module"
	@echo "make bench  sessiongate vs the peers and golang-jwt on every framework: a table, bench/RESULTS.md, bench/results.svg"
	@echo "make tidy   go mod tidy in every module"
	@echo "make fuzz   run each fuzz target for FUZZTIME (default 30s): $(FUZZ_TARGETS)"
	@echo "            (make test runs their checked-in seeds)"
	@echo "make mutate mutation-test core with $(GREMLINS) (slow; not part of make test)"

test: lint
	@set -e; for m in $(MODULES); do \
		echo "== test $$m"; \
		(cd $$m && $(GO) test -race -count=1 ./...); \
	done

lint:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@set -e; for m in $(MODULES); do \
		(cd $$m && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...); \
	done
	@out=$$($(GO) run $(GOCYCLO) -over 15 -ignore '_test\.go$$' $(MODULES)); \
		if [ -n "$$out" ]; then echo "functions over cyclomatic complexity 15:"; echo "$$out"; exit 1; fi

# make bench: every adapter (cache on and off), the peers and golang-jwt's
# Parse, in BENCH_ROUNDS interleaved rounds of BENCH_TIME each, then a
# loopback load test; prints one table and writes bench/RESULTS.md,
# bench/results.svg and bench/results.txt (about 5 minutes on 2 cores).
BENCH_ROUNDS ?= 6
BENCH_TIME   ?= 200ms
bench:
	cd bench && $(GO) run ./cmd/benchreport -rounds $(BENCH_ROUNDS) -benchtime $(BENCH_TIME)

demo:
	$(GO) run ./examples/demo

issuer:
	$(GO) run ./core/devissuer/cmd/devissuer $(ISSUER_FLAGS)

tidy:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) mod tidy); done

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		dir=$${t%%:*}; name=$${t##*:}; \
		echo "== fuzz $$name in $$dir for $(FUZZTIME)"; \
		(cd $$dir && $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) .); \
	done

mutate:
	cd core && GOFLAGS="$$GOFLAGS -count=1" $(GO) run $(GREMLINS) unleash $(MUTATE_FLAGS) .
