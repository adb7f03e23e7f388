# sessiongate: one Makefile for every module of the workspace (go.work).
# Needs only Go (and a C compiler for -race); modules come from the Go proxy.

GO      ?= go
# Every module, in dependency order. Keep in step with go.work.
MODULES := $(shell $(GO) work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p')

.PHONY: test lint bench demo tidy help

help:
	@echo "make demo   run the dev issuer and a protected net/http API on loopback, print curl commands"
	@echo "make test   vet and test every module with the race detector"
	@echo "make lint   gofmt check and go vet"
	@echo "make bench  benchmarks (core and bench/)"

test: lint
	@set -e; for m in $(MODULES); do \
		echo "== test $$m"; \
		(cd $$m && $(GO) test -race -count=1 ./...); \
	done

lint:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done

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
