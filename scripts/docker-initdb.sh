#!/usr/bin/env bash
# Runs once inside the postgres container on a new volume: creates the
# application's login role, which owns nothing (the migrations grant it the
# caller roles). Its password comes from FIELDBOOK_APP_PASSWORD.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$FIELDBOOK_APP_PASSWORD" <<'SQL'
CREATE ROLE fieldbook_app LOGIN NOINHERIT PASSWORD :'app_password';
SQL
