#!/usr/bin/env bash
# Lints the hand-written browser scripts (sw/sw.js, sw/shared.js,
# static/app.js, static/quiz.js; not the vendored htmx) with ESLint at the versions pinned in
# scripts/eslint/package-lock.json. They are installed into .tools/eslint
# (git-ignored; a dot folder, so `go ./...` never walks its node_modules)
# when missing or when the lock file changed. Needs node and npm (Debian's
# nodejs and npm packages are installed when missing; root or sudo needed
# the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
src=scripts/eslint
dir=.tools/eslint
if ! command -v npm >/dev/null 2>&1; then
  echo "lint-js: installing Debian's nodejs and npm packages" >&2
  SUDO=
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2 || true
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >&2
fi
want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -x "$dir/node_modules/.bin/eslint" ] || [ "$(cat "$dir/.installed" 2>/dev/null)" != "$want" ]; then
  echo "lint-js: installing ESLint ($src/package-lock.json) into $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$dir/.installed"
fi
# The config is used from beside the installed packages, which it imports.
cp "$src/eslint.config.mjs" "$dir/"
exec "$dir/node_modules/.bin/eslint" --config "$dir/eslint.config.mjs" --max-warnings 0 sw/sw.js sw/shared.js static/app.js static/quiz.js
