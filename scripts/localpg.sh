#!/usr/bin/env bash
# Starts (or reuses) a project-local PostgreSQL for `make run`, with its data
# under .data/ and a random password, listening on 127.0.0.1 only. Prints the
# DATABASE_URL to use on stdout; everything else goes to stderr.
#   scripts/localpg.sh start | stop | url
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${FIELDBOOK_PG_PORT:-54329}
DATA=$ROOT/.data/pg
PWFILE=$ROOT/.data/pg-password
mkdir -p "$ROOT/.data"
# .data/pg may be a link to a folder the postgres user owns (see init):
# PostgreSQL gets the link's target, since it may not be able to pass
# through the project folder to follow the link.
[ -L "$DATA" ] && DATA=$(readlink -f "$DATA")

bindir() {
  if command -v postgres >/dev/null 2>&1; then dirname "$(command -v postgres)"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    [ -x "$d/postgres" ] && { echo "$d"; return; }
  done
  echo "localpg: no PostgreSQL server binaries found; install them (Debian: apt-get install postgresql)" >&2
  exit 1
}
BIN=$(bindir)
PSQL=$BIN/psql
[ -x "$PSQL" ] || PSQL=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)

# PostgreSQL refuses to run as root: run it as the postgres user, in a data
# directory that user can reach (the project folder may not be).
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() {
  printf 'postgres://fieldbook:%s@127.0.0.1:%s/fieldbook?sslmode=disable\n' "$(cat "$PWFILE")" "$PORT"
}

init() {
  [ -f "$DATA/PG_VERSION" ] && return
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DATA"
    chown postgres: "$DATA"
    if ! runuser -u postgres -- test -w "$DATA"; then
      # The postgres user cannot enter the project folder: keep the cluster
      # in a folder it owns and link it here.
      rmdir "$DATA"
      local alt
      alt=/var/tmp/fieldbook-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-12)
      mkdir -p "$alt"
      chown postgres: "$alt"
      chmod 700 "$alt"
      ln -sfn "$alt" "$DATA"
      DATA=$alt
    fi
  fi
  [ -f "$PWFILE" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$PWFILE")
  local pw
  pw=$(mktemp)
  cp "$PWFILE" "$pw"
  chmod 644 "$pw"
  echo "localpg: creating a PostgreSQL cluster in .data/pg" >&2
  as_pg "$BIN/initdb" -D "$DATA/" -U fieldbook --pwfile="$pw" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 > "$ROOT/.data/initdb.log" 2>&1 \
    || { cat "$ROOT/.data/initdb.log" >&2; exit 1; }
  rm -f "$pw"
}

start() {
  init
  if as_pg "$BIN/pg_ctl" -D "$DATA/" status >/dev/null 2>&1; then
    echo "localpg: PostgreSQL already running on 127.0.0.1:$PORT" >&2
  else
    echo "localpg: starting PostgreSQL on 127.0.0.1:$PORT" >&2
    as_pg "$BIN/pg_ctl" -D "$DATA/" -w -t 60 -l "$DATA/server.log" \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=''" start >&2
  fi
  if ! PGPASSWORD=$(cat "$PWFILE") "$PSQL" -h 127.0.0.1 -p "$PORT" -U fieldbook -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='fieldbook'" | grep -q 1; then
    PGPASSWORD=$(cat "$PWFILE") "$PSQL" -h 127.0.0.1 -p "$PORT" -U fieldbook -d postgres -qc "CREATE DATABASE fieldbook" >&2
  fi
  url
}

stop() {
  [ -f "$DATA/PG_VERSION" ] || { echo "localpg: no cluster in .data/pg" >&2; return; }
  as_pg "$BIN/pg_ctl" -D "$DATA/" -m fast stop >&2 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
