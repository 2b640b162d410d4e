# The two commands a new user needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
GO ?= go
BIN := bin

.PHONY: run test unit fuzz up down clean ps logs local-images bench build vet

## run: open the dashboard on this repo's stack (builds bin/ttsui, creates
##      .env, picks base images this engine can use).
run:
	bash scripts/stack.sh dashboard

## test: every test: vet, unit, integration (MariaDB on the host) and
##       end-to-end (the real stack on the real engine, a real browser).
test: vet
	bash scripts/local-images.sh
	TTSUI_E2E=1 TTSUI_REQUIRE_INTEGRATION=1 $(GO) test -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=50000x

## fuzz: run each fuzz target briefly (FUZZTIME executions each). Counts,
## not durations: Go 1.26's fuzz coordinator can fail a run with "context
## deadline exceeded" when a -fuzztime duration ends (go.dev/issue/75804,
## fixed in Go 1.27); a count has no deadline to race.
FUZZTIME ?= 200000x
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzSanitize$$' -fuzztime $(FUZZTIME) ./internal/logtext/
	$(GO) test -run '^$$' -fuzz '^FuzzReadLogStream$$' -fuzztime $(FUZZTIME) ./internal/logtext/
	$(GO) test -run '^$$' -fuzz '^FuzzSplitAndClassify$$' -fuzztime $(FUZZTIME) ./internal/dbops/
	$(GO) test -run '^$$' -fuzz '^FuzzComplete$$' -fuzztime $(FUZZTIME) ./internal/dbops/

## unit: the fast part of the suite (no engine, no database server).
unit:
	$(GO) test ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

build:
	$(GO) build -o $(BIN)/ttsui ./cmd/ttsui
	$(GO) build -o $(BIN)/ttsportal ./cmd/ttsportal

up:
	bash scripts/stack.sh up
down:
	bash scripts/stack.sh down
## clean: rebuild every image removing intermediate containers, then recreate.
clean:
	bash scripts/stack.sh clean
ps:
	bash scripts/stack.sh ps
logs:
	bash scripts/stack.sh logs

## local-images: build the offline base images (Go toolchain, MariaDB).
local-images:
	bash scripts/local-images.sh

## bench: performance reports, as ratios against baselines run side by side.
bench:
	bash bench/portal.sh
	bash bench/logs.sh
	bash bench/dashboard.sh
	bash bench/latency.sh
	bash bench/watch.sh
	bash bench/sql.sh
