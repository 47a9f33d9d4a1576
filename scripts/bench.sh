#!/usr/bin/env bash
# `make bench`: the benchmark data set (200 courses, 10k lessons, 100k
# learners, 5M progress rows; built once, ~3 minutes) in its own database of
# the project-local PostgreSQL, a server on 127.0.0.1:18080, the load
# generator over loopback, the server's peak RSS, and the Go benchmarks.
# Results: the table on stdout and .data/bench-results.md (not in git).
# BENCH_SCALE=small uses a tenth of the data for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build
ADMIN_URL=$(scripts/localpg.sh start)
BENCH_URL=${ADMIN_URL/\/fieldbook\?/\/fieldbook_bench?}
PSQL=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
if ! "$PSQL" "$ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = 'fieldbook_bench'" | grep -q 1; then
  "$PSQL" "$ADMIN_URL" -qc "CREATE DATABASE fieldbook_bench"
fi
export DATABASE_URL=$BENCH_URL FIELDBOOK_ENV=development
bin/fieldbook migrate >/dev/null
SCALE=()
[ "${BENCH_SCALE:-}" = small ] && SCALE=(--courses 20 --lessons 1000 --learners 10000 --progress 500000)
if [ "$("$PSQL" "$BENCH_URL" -tAc "SELECT count(*) FROM users")" = 0 ]; then
  bin/fieldbook bench-data "${SCALE[@]}"
fi
PW=bench-password-local-only
CONNS=${BENCH_CONNECTIONS:-64}
echo "bench: setting passwords for $CONNS learners and one volunteer" >&2
for i in $(seq 1 "$CONNS"); do echo "$PW" | bin/fieldbook user passwd --username "bench-learner-$i" >/dev/null; done
echo "$PW" | bin/fieldbook user passwd --username bench-volunteer-1 >/dev/null
"$PSQL" "$BENCH_URL" -qc "DELETE FROM login_throttle" 2>/dev/null || true

FIELDBOOK_ADDR=127.0.0.1:18080 bin/fieldbook serve > .data/bench-server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS http://127.0.0.1:18080/healthz >/dev/null 2>&1 && break; sleep 0.2; done

OUT=.data/bench-results.md
{
  echo "# Benchmark results ($(date -u +%F), $(nproc) cores, $CONNS connections)"
  echo
} > "$OUT"
bin/fieldbook loadtest --url http://127.0.0.1:18080 --connections "$CONNS" --password "$PW" \
  --duration "${BENCH_DURATION:-8s}" --out .data/bench-table.md
cat .data/bench-table.md >> "$OUT"
RSS=$(awk '/VmHWM/ {print $2 " " $3}' /proc/$SERVER/status)
echo "bench: server peak RSS $RSS"
printf '\nServer peak RSS: %s\n\n```\n' "$RSS" >> "$OUT"
go test -run '^$' -bench . -benchmem ./store/ | tee -a "$OUT"
echo '```' >> "$OUT"
echo "bench: results in $OUT" >&2
