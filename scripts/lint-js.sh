#!/usr/bin/env bash
# Lints the hand-written browser scripts (sw/sw.js, sw/shared.js,
# static/app.js; not the vendored htmx) with ESLint, installed at the pinned
# versions of scripts/eslint/package-lock.json into scripts/eslint/node_modules
# (git-ignored) when missing. Needs node and npm (Debian's nodejs and npm
# packages are installed when missing; root or sudo needed the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=scripts/eslint
if ! command -v npm >/dev/null 2>&1; then
  echo "lint-js: installing Debian's nodejs and npm packages" >&2
  SUDO=
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2 || true
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >&2
fi
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ ! -x "$dir/node_modules/.bin/eslint" ] || [ "$(cat "$dir/node_modules/.lock-sha256" 2>/dev/null)" != "$want" ]; then
  echo "lint-js: installing ESLint (scripts/eslint/package-lock.json)" >&2
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$dir/node_modules/.lock-sha256"
fi
exec "$dir/node_modules/.bin/eslint" --config "$dir/eslint.config.mjs" --max-warnings 0 sw/sw.js sw/shared.js static/app.js
