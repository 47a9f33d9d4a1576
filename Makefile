# Fieldbook. `make run` serves the demo; `make test` checks everything.
GO      ?= go
BIN     := bin/fieldbook
SOURCES := $(shell find cmd handlers views store migrations static sw -type f 2>/dev/null) go.mod go.sum

.PHONY: run build test vet lint-js templ-check chromium pgbouncer postgres generate bench bench-data lighthouse fuzz clean db-stop

run: $(BIN)
	@scripts/ensure-postgres.sh
	@scripts/run.sh

build: $(BIN)

$(BIN): $(SOURCES)
	$(GO) build -o $(BIN) ./cmd/fieldbook

generate:
	$(GO) tool templ generate

## test: vet, ESLint on the browser scripts, generated-code check, unit +
## integration tests (real PostgreSQL, started by the tests themselves),
## browser tests (headless Chromium).
test: vet lint-js templ-check postgres chromium pgbouncer
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd handlers views store migrations static sw e2e internal)" || { echo "gofmt needed:"; gofmt -l cmd handlers views store migrations static sw e2e internal; exit 1; }

# ESLint (pinned, installed into .tools/eslint) on sw/sw.js,
# sw/shared.js, static/app.js and static/quiz.js.
lint-js:
	@scripts/lint-js.sh

# Regenerates the templ output and fails if the committed files differ.
templ-check:
	@scripts/templ-check.sh

chromium:
	@scripts/install-chromium.sh

# PgBouncer for the scale-out test (e2e/scale_test.go).
pgbouncer:
	@scripts/install-pgbouncer.sh

postgres:
	@scripts/ensure-postgres.sh

# Loads 200 courses, 10k lessons, 100k learners and 5M progress rows into an
# empty, migrated database ($$DATABASE_URL) for the dashboard measurements
# (docs/dashboard.md). Takes minutes; never part of make test. The tooling is
# its own binary: the product's never carries it.
bench-data: $(BIN)
	$(GO) build -o bin/fieldbook-bench ./cmd/fieldbook-bench
	$(BIN) migrate
	bin/fieldbook-bench data

# Lighthouse scores of the course list, a course and a lesson (needs make run).
lighthouse:
	@scripts/lighthouse.sh

# Load test on loopback against the benchmark data set, plus Go benchmarks
# (scripts/bench.sh lists the knobs; BENCH_BASELINE=<commit> compares).
bench:
	@scripts/bench.sh

# Runs each fuzz target for FUZZTIME (default 30s); seeds run in make test.
fuzz:
	@scripts/fuzz.sh

db-stop:
	@scripts/localpg.sh stop

clean:
	rm -rf bin
