#!/usr/bin/env bash
# Fails when the committed *_templ.go files are not what `templ generate`
# makes from the *.templ sources. It regenerates in a scratch copy with the
# same layout, so the working tree is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp go.mod go.sum "$tmp/"
mkdir -p "$tmp/views"
cp views/*.templ views/*.go "$tmp/views/"
rm -f "$tmp"/views/*_templ.go
(cd "$tmp" && go tool templ generate >/dev/null 2>&1) || (cd "$tmp" && go tool templ generate)
status=0
for f in "$tmp"/views/*_templ.go; do
  rel=views/$(basename "$f")
  if ! cmp -s "$rel" "$f"; then
    echo "templ-check: $rel is stale or missing; run 'make generate' and commit it" >&2
    status=1
  fi
done
for f in views/*_templ.go; do
  [ -f "$tmp/$f" ] || { echo "templ-check: $f has no .templ source; delete it" >&2; status=1; }
done
[ $status = 0 ] && echo "templ-check: generated code is current"
exit $status
