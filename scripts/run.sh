#!/usr/bin/env bash
# `make run`: a database (DATABASE_URL, or a project-local PostgreSQL under
# .data/), migrations, the demo course on first run, then the server.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/localpg.sh start)
  export DATABASE_URL
fi
bin/fieldbook migrate
ACCOUNTS=.data/demo-accounts.txt
mkdir -p .data
if [ ! -s "$ACCOUNTS" ]; then
  (umask 077; bin/fieldbook demo | tee "$ACCOUNTS.tmp" >&2; mv "$ACCOUNTS.tmp" "$ACCOUNTS")
fi
ADDR=${FIELDBOOK_ADDR:-:8080}
cat <<MSG

  Fieldbook is starting on http://localhost:${ADDR##*:}
  Sign in with a demo account (saved in $ACCOUNTS):
$(grep -E 'created (learner|volunteer)' "$ACCOUNTS" | sed 's/^demo: created /    /' || true)
  or sign up as a new learner at /signup.
  Make an admin (in another terminal):
    echo 'a long passphrase' | DATABASE_URL=\$(scripts/localpg.sh url) bin/fieldbook user add --username you --role admin

MSG
exec bin/fieldbook serve
