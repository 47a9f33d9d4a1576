#!/usr/bin/env bash
# Makes sure a Chromium for the browser tests exists: Debian's chromium
# package, installed when missing (root or sudo needed the first time).
set -euo pipefail
for c in "${FIELDBOOK_CHROMIUM:-}" chromium chromium-browser; do
  if [ -n "$c" ] && command -v "$c" >/dev/null 2>&1; then
    exit 0
  fi
done
echo "install-chromium: installing Debian's chromium package" >&2
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
$SUDO apt-get install -y -qq --no-install-recommends chromium >&2
command -v chromium >/dev/null
