# sessiongate: one Makefile for every module of the workspace (go.work).
# Needs only Go (and a C compiler for -race); modules and pinned tools come
# from the Go module proxy.

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOCYCLO     := github.com/fzipp/gocyclo/cmd/gocyclo@v0.6.0
# Every module listed in go.work, in the order go.work lists them.
MODULES     := $(shell $(GO) work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p')

.PHONY: help test lint bench demo tidy

help:
	@echo "make demo   run the dev issuer and a protected net/http API on loopback, print curl commands"
	@echo "make test   lint, then test every module with the race detector"
	@echo "make lint   gofmt, go vet, staticcheck ($(STATICCHECK)) and gocyclo (none over 15) on every module"
	@echo "make bench  run the benchmarks of every module that has some"
	@echo "make tidy   go mod tidy in every module"

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

bench:
	@set -e; for m in $(MODULES); do \
		if grep -rqs --include='*_test.go' '^func Benchmark' $$m; then \
			echo "== bench $$m"; (cd $$m && $(GO) test -run='^$$' -bench=. -benchmem ./...); \
		fi; \
	done

demo:
	$(GO) run ./examples/demo

tidy:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) mod tidy); done
