#!/usr/bin/env bash
# Makes sure PgBouncer exists for the scale-out test (e2e/scale_test.go):
# Debian's pgbouncer package, installed when missing (root or sudo needed
# the first time). The test finds /usr/sbin/pgbouncer or pgbouncer on PATH.
set -euo pipefail
if [ -n "${FIELDBOOK_PGBOUNCER:-}" ] && [ -x "${FIELDBOOK_PGBOUNCER}" ]; then
  exit 0
fi
if [ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1; then
  exit 0
fi
echo "install-pgbouncer: installing Debian's pgbouncer package" >&2
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
# The package's own service is not wanted: the test runs its own PgBouncer.
$SUDO apt-get install -y -qq --no-install-recommends pgbouncer >&2
test -x /usr/sbin/pgbouncer || command -v pgbouncer >/dev/null
