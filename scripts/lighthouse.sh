#!/usr/bin/env bash
# `make lighthouse`: Lighthouse 12.2.3 (mobile defaults: Slow 4G, 4x CPU
# slowdown) with Debian's Chromium against the course list, a course page and
# a lesson page of a running Fieldbook (start it with `make run`; the URL is
# FIELDBOOK_URL, default http://localhost:8080). Prints the scores, LCP, TBT
# and CLS. Lighthouse is installed into .data/lighthouse, never into the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${FIELDBOOK_URL:-http://localhost:8080}
DIR=.data/lighthouse
scripts/install-chromium.sh
if [ ! -x "$DIR/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$DIR"
  (cd "$DIR" && npm install --no-audit --no-fund --silent lighthouse@12.2.3 >/dev/null)
fi
curl -fsS "$BASE/healthz" >/dev/null || { echo "lighthouse: no Fieldbook at $BASE (run make run first)" >&2; exit 1; }
course=$(curl -fsS "$BASE/" | grep -o '/courses/[0-9a-f-]*' | head -1)
lesson=$(curl -fsS "$BASE$course" | grep -o '/lessons/[0-9a-f-]*' | head -1)
printf '%-50s %5s %5s %5s %8s %6s %6s %8s\n' page perf a11y bp LCP_ms TBT_ms CLS bytes
for path in / "$course" "$lesson"; do
  CHROME_PATH=$(command -v chromium) "$DIR/node_modules/.bin/lighthouse" "$BASE$path" --quiet \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync" \
    --only-categories=performance,accessibility,best-practices --output=json --output-path="$DIR/report.json" >/dev/null 2>&1
  node -e '
    const r = require(process.argv[1]), c = r.categories, a = r.audits, s = k => Math.round(c[k].score * 100);
    console.log(process.argv[2].padEnd(50), String(s("performance")).padStart(5), String(s("accessibility")).padStart(5),
      String(s("best-practices")).padStart(5), String(Math.round(a["largest-contentful-paint"].numericValue)).padStart(8),
      String(Math.round(a["total-blocking-time"].numericValue)).padStart(6), a["cumulative-layout-shift"].numericValue.toFixed(3).padStart(6),
      String(a["total-byte-weight"].numericValue).padStart(8));
  ' "$PWD/$DIR/report.json" "$path"
done
