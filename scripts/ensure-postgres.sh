#!/usr/bin/env bash
# Makes sure the PostgreSQL server binaries the tests and `make run` need
# are there (Debian's postgresql-15 when missing), and, when running as root,
# that the postgres user exists to run them: PostgreSQL refuses to run as root.
set -euo pipefail
have_pg() {
  command -v postgres >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1
}
if ! have_pg; then
  echo "ensure-postgres: installing Debian's postgresql-15 package" >&2
  SUDO=
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2 || true
  $SUDO apt-get install -y -qq --no-install-recommends postgresql-15 >&2
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "ensure-postgres: creating the postgres system user" >&2
  useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi
