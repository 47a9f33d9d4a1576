#!/usr/bin/env bash
# `make bench`: measures a Fieldbook build on the benchmark data set and
# prints one table (docs/performance.md explains every line).
#
# For each build measured: its own database in the project-local PostgreSQL
# (migrated by that build; the data set is loaded once, ~3 minutes at full
# scale), two `fieldbook serve` instances on that database (A on BENCH_ADDR,
# B on a free port, for revocation propagation), the bare reference page
# (fieldbook-bench bare, on a free port), and the load generator
# (fieldbook-bench load) over loopback. Then the Go benchmarks of ./store.
#
#   BENCH_SCALE=small       a tenth of the data set, for quick runs (default: full, 5M rows)
#   BENCH_BASELINE=<commit> also measure the build of <commit> first, in the same run:
#                           the before/after comparison (e.g. BENCH_BASELINE=556f9b7)
#   BENCH_ADDR              instance A's address (default 127.0.0.1:18080)
#   BENCH_CONNECTIONS       concurrent clients (default 64)
#   BENCH_DURATION          time per route (default 8s)
#   BENCH_GO=0              skip the Go benchmarks
#   BENCH_FRESH=1           drop and rebuild the benchmark databases first
#   BENCH_PERSONAL=on|off   whether a signed-in page view also fetches GET /api/me/progress
#                           (default auto: when the build has it)
#
# Results: stdout, and .data/bench-results.md (not in git).
set -euo pipefail
cd "$(dirname "$0")/.."
ADDR=${BENCH_ADDR:-127.0.0.1:18080}
CONNS=${BENCH_CONNECTIONS:-64}
DURATION=${BENCH_DURATION:-8s}
SCALE=${BENCH_SCALE:-full}
PW=bench-password-local-only
OUT=.data/bench-results.md

make -s build
go build -o bin/fieldbook-bench ./cmd/fieldbook-bench
ADMIN_URL=$(scripts/localpg.sh start)
PSQL=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
mkdir -p .data

# build_at <commit>: the fieldbook binary of another commit, built once from
# `git archive` into .data/bench-builds/<sha>/ (not a worktree: nothing to
# clean up in git). Prints its path.
build_at() {
  local sha dir
  sha=$(git rev-parse --verify "$1^{commit}")
  dir=.data/bench-builds/$sha
  if [ ! -x "$dir/fieldbook" ]; then
    echo "bench: building fieldbook at ${sha:0:12}" >&2
    rm -rf "$dir/src"
    mkdir -p "$dir/src"
    git archive "$sha" | tar -x -C "$dir/src"
    (cd "$dir/src" && go build -o ../fieldbook ./cmd/fieldbook) >&2
  fi
  echo "$dir/fieldbook"
}

PIDS=()
stop_all() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
trap stop_all EXIT

wait_http() {
  for _ in $(seq 1 150); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "bench: $1 does not answer" >&2
  return 1
}

# bench_build <label> <fieldbook binary> <database>: one build, one table.
bench_build() {
  local label=$1 bin=$2 db=$3 url exists
  url=${ADMIN_URL/\/fieldbook\?/\/$db?}
  [ "${BENCH_FRESH:-}" = 1 ] && "$PSQL" "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  exists=$("$PSQL" "$ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")
  [ "$exists" = 1 ] || "$PSQL" "$ADMIN_URL" -qc "CREATE DATABASE $db"
  export DATABASE_URL=$url FIELDBOOK_ENV=development
  "$bin" migrate >/dev/null
  if [ "$("$PSQL" "$url" -tAc "SELECT count(*) FROM users")" = 0 ]; then
    local small=()
    [ "$SCALE" = small ] && small=(--small)
    bin/fieldbook-bench data "${small[@]}" >&2
  fi
  # Passwords for the learners and the largest course's editor, once per
  # database (bench-data accounts cannot sign in until then).
  local editor
  editor=$("$PSQL" "$url" -tAc "
    SELECT u.username FROM course_editors ce JOIN users u ON u.id = ce.user_id
    WHERE ce.course_id = (SELECT course_id FROM course_learners GROUP BY course_id
                          ORDER BY count(*) DESC, course_id LIMIT 1)
    ORDER BY u.username LIMIT 1")
  for u in $(seq -f 'bench-learner-%g' 1 "$CONNS") "$editor"; do
    if "$PSQL" "$url" -tAc "SELECT 1 FROM users WHERE username = '$u' AND password_hash LIKE '!%'" | grep -q 1; then
      echo "$PW" | "$bin" user passwd --username "$u" >/dev/null
    fi
  done
  "$PSQL" "$url" -qc "DELETE FROM login_throttle"

  local b_addr bare_log
  b_addr=$(bin/fieldbook-bench freeport)
  FIELDBOOK_ADDR=$ADDR "$bin" serve > ".data/bench-$label-a.log" 2>&1 &
  local a_pid=$!
  PIDS+=("$a_pid")
  FIELDBOOK_ADDR=$b_addr "$bin" serve > ".data/bench-$label-b.log" 2>&1 &
  PIDS+=($!)
  bare_log=.data/bench-$label-bare.log
  bin/fieldbook-bench bare > "$bare_log" 2>&1 &
  PIDS+=($!)
  wait_http "http://$ADDR/readyz"
  wait_http "http://$b_addr/readyz"
  for _ in $(seq 1 100); do [ -s "$bare_log" ] && break; sleep 0.1; done
  wait_http "http://$(head -n1 "$bare_log")/"

  bin/fieldbook-bench load --url "http://$ADDR" --url-b "http://$b_addr" --bare-url "http://$(head -n1 "$bare_log")" \
    --pid "$a_pid" --connections "$CONNS" --duration "$DURATION" --password "$PW" \
    --label "$label" --scale "$SCALE" --personal "${BENCH_PERSONAL:-auto}" --out ".data/bench-$label.md"
  cat ".data/bench-$label.md" >> "$OUT"
  echo >> "$OUT"
  stop_all
}

suffix=""
[ "$SCALE" = small ] && suffix=_small
echo "# Benchmark results ($(date -u +%F))" > "$OUT"
echo >> "$OUT"
if [ -n "${BENCH_BASELINE:-}" ]; then
  base_bin=$(build_at "$BENCH_BASELINE")
  bench_build "before-$(git rev-parse --short "$BENCH_BASELINE")" "$base_bin" "fieldbook_bench_$(git rev-parse --short "$BENCH_BASELINE")$suffix"
fi
bench_build "after-$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +)" bin/fieldbook "fieldbook_bench$suffix"

if [ "${BENCH_GO:-1}" != 0 ]; then
  { echo '```'; go test -run '^$' -bench . -benchmem ./store/; echo '```'; } | tee -a "$OUT"
fi
echo "bench: results in $OUT" >&2
