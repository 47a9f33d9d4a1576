#!/usr/bin/env bash
# Fails when the committed *_templ.go files are not what `templ generate`
# makes from the *.templ sources.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r views "$tmp/views"
go tool templ generate -path "$tmp/views" >/dev/null 2>&1
status=0
for f in views/*_templ.go "$tmp"/views/*_templ.go; do
  rel=views/$(basename "$f")
  if ! cmp -s "$rel" "$tmp/$rel" 2>/dev/null; then
    echo "templ-check: $rel is stale or missing; run 'make generate' and commit" >&2
    status=1
  fi
done
[ $status = 0 ] && echo "templ-check: generated code is current"
exit $status
