#!/usr/bin/env bash
# The reports' HTML pages in a real browser (run by `make test`): on the demo market with a year
# of synthetic history, every report is fetched as the demo commissioner as HTML and rendered by
# headless Chromium, with every host name unresolvable so nothing can come from elsewhere. Each
# page must render with its charts (SVG in the browser's DOM), no scripts, and a screenshot with
# something on it; one page is printed to PDF. The screenshots are kept in $PAGES (default
# .build/report-pages) to look at.
source "$(dirname "$0")/lib.sh"

port=${PORT:-18191}
pages=${PAGES:-.build/report-pages}
base="http://127.0.0.1:$port"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then echo "report-pages: chromium is not installed (make deps installs it)" >&2; exit 1; fi
# Root in a container has no user namespaces for the sandbox; the pages are our own.
render() {  # ARGS...
    timeout 90 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$work/profile" "$@" 2>>"$work/browser.log"
}

"$binary" migrate --database "$work/market.sqlite" >/dev/null
"$binary" seed --demo --database "$work/market.sqlite" >/dev/null
"$binary" seed --history-months 12 --holders 300 --database "$work/market.sqlite" 2>/dev/null | tail -1
"$binary" serve --database "$work/market.sqlite" --hostname 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server=$!
disown "$server"  # killed by the trap; no "Killed" notice
wait_healthy "$base" || { echo "report-pages: the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

token=$(curl -sf "$base/v1/auth/tokens" -H 'content-type: application/json' \
    -d '{"email":"commissioner@demo.test","password":"supportmarket-demo"}' | jq -r .token)
to=$(date -u +%Y-%m-%d)
from=$(date -u -d "$to - 364 days" +%Y-%m-%d)
rm -rf "$pages" && mkdir -p "$pages"
failed=0
for name in $(curl -sf "$base/v1/reports" -H "authorization: Bearer $token" | jq -r '.items[].name'); do
    page="$pages/$name.html"
    type=$(curl -sf -o "$page" -w '%{content_type}' "$base/v1/reports/$name?from=$from&to=$to&format=html" -H "authorization: Bearer $token")
    problems=()
    [ "$type" = "text/html; charset=utf-8" ] || problems+=("served as $type")
    grep -qi '<script' "$page" && problems+=("has a script")
    render --window-size=1200,2200 --screenshot="$pages/$name.png" "file://$PWD/$page" >/dev/null
    shot=$(stat -c %s "$pages/$name.png" 2>/dev/null || echo 0)
    # A blank 1200×2200 page compresses to a few kilobytes; text, tables and charts do not.
    [ "$shot" -gt 40000 ] || problems+=("screenshot of $shot bytes looks blank")
    dom=$(render --dump-dom "file://$PWD/$page")
    svgs=$(grep -o '<svg' <<<"$dom" | wc -l)
    tables=$(grep -o '<table' <<<"$dom" | wc -l)
    [ "$tables" -ge 1 ] || problems+=("no table rendered")
    [ "$svgs" -ge 1 ] || problems+=("no chart rendered")
    if [ ${#problems[@]} -gt 0 ]; then
        echo "report-pages: FAILED: $name: ${problems[*]}" >&2; failed=1
    else
        echo "report-pages: $name: $(stat -c %s "$page") bytes, $svgs charts, $tables tables, screenshot $shot bytes"
    fi
done
render --print-to-pdf="$pages/spend.pdf" --no-pdf-header-footer "file://$PWD/$pages/spend.html" >/dev/null
pdf_pages=$(python3 -c 'import re,sys; print(len(re.findall(rb"/Type\s*/Page(?!s)", open(sys.argv[1], "rb").read())))' "$pages/spend.pdf")
if [ "$(head -c 5 "$pages/spend.pdf")" != "%PDF-" ] || [ "$pdf_pages" -lt 1 ]; then
    echo "report-pages: FAILED: the spend page did not print" >&2; failed=1
else
    echo "report-pages: spend printed to $pdf_pages PDF pages"
fi
if [ "$failed" -ne 0 ]; then cat "$work/server.log" | tail -20 >&2; exit 1; fi
echo "report-pages: every report renders in $("$browser" --version 2>/dev/null | head -1); screenshots in $pages"
