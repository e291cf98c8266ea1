#!/usr/bin/env bash
# Reports benchmark (issue 15), release build: a synthetic market with a year of history of about
# $LINES order lines (`seed --history-months 12`), most of them one council's (COUNCILS=1 by
# default: the hardest honest case, one report reads nearly everything). Then, in the same run:
#
# - every report over the year, $RUNS times through the HTTP API (JSON), p50 and p95, next to the
#   same aggregate SQL (`supportmarket report NAME --sql`) run $RUNS times in the sqlite3 shell,
#   and the ratio of their p95s;
# - the finance audit export of one month and of the whole year, each from a fresh server:
#   rows, seconds, rows/s, and the server's peak RSS (VmHWM) before and after, so that constant
#   memory shows as a year costing what a month costs.
#
#   bench/reports.sh                       # 5,000,000 order lines (generation takes minutes)
#   LINES=200000 RUNS=3 bench/reports.sh
#   KEEP=/var/tmp/reports.sqlite bench/reports.sh   # generate once, reuse on later runs
#   BIN=/path/to/supportmarket bench/reports.sh     # another build (no build step)
#   REPORTS="spend order-flow" EXPORT=no bench/reports.sh           # some of it
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=${LINES:-5000000}
RUNS=${RUNS:-5}
COUNCILS=${COUNCILS:-1}
PORT=${PORT:-18231}
# The generator makes about 45 order lines per holder over 12 months.
HOLDERS=${HOLDERS:-$((LINES / 45))}
command -v sqlite3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3; }
make -s deps
if [ -z "${BIN:-}" ]; then
    swift build -c release --product supportmarket 2>&1 | tail -1
    BIN=.build/release/supportmarket
fi
export SUPPORTMARKET_LOG_LEVEL=warning
# Nothing to deliver to, and the timings are the reports' alone.
export SUPPORTMARKET_WEBHOOK_DISPATCH=off

WORK=$(mktemp -d /tmp/supportmarket-bench.XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
DB=${KEEP:-$WORK/market.sqlite}

if [ ! -s "$DB" ]; then
    echo "== generating: $COUNCILS council(s), $HOLDERS holders, 12 months"
    start=$(date +%s.%N)
    $BIN migrate --database "$DB" >/dev/null
    $BIN seed --synthetic --offerings 20000 --providers 500 --councils "$COUNCILS" --seed 42 --database "$DB" | head -1
    $BIN seed --history-months 12 --holders "$HOLDERS" --seed 42 --database "$DB" | tail -1
    echo "   generated in $(python3 -c "print(f'{$(date +%s.%N) - $start:.0f}')") s, $(du -h "$DB" | cut -f1)"
fi
TOKEN=$($BIN token create --email commissioner1@s42.synthetic.test --database "$DB")
COUNCIL=$(sqlite3 "$DB" "SELECT council_id FROM user WHERE email = 'commissioner1@s42.synthetic.test'")
echo "== $(sqlite3 "$DB" "SELECT count(*) FROM order_line") order lines; the council's: $(sqlite3 "$DB" "SELECT count(*) FROM order_line l JOIN purchase_order o ON o.id = l.order_id JOIN budget_holder h ON h.id = o.budget_holder_id WHERE h.council_id = '$COUNCIL'")"
TO=$(date -u +%Y-%m-%d)
FROM=$(date -u -d "$TO - 364 days" +%Y-%m-%d)

start_server() {
    $BIN serve --database "$DB" --hostname 127.0.0.1 --port "$PORT" >>"$WORK/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "the server did not start" >&2; tail "$WORK/server.log" >&2; exit 1
}
stop_server() { kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""; }
# p50 and p95 (nearest rank) of the numbers on stdin, in ms.
quantiles() { sort -g | awk '{ v[NR] = $1 } END { p50 = v[int(NR * 0.5 + 0.999)]; p95 = v[int(NR * 0.95 + 0.999)]; printf "%.0f %.0f\n", p50 * 1000, p95 * 1000 }'; }

start_server
printf '\n%-16s %10s %10s %10s %10s %8s %9s\n' report "api p50" "api p95" "sql p50" "sql p95" "ratio" withheld
for name in ${REPORTS:-spend market-share unmet-demand supply-gaps community-usage utilisation prices ratings order-flow refusals}; do
    url="http://127.0.0.1:$PORT/v1/reports/$name?council_id=$COUNCIL&from=$FROM&to=$TO"
    curl -sf -o "$WORK/$name.json" "$url" -H "authorization: Bearer $TOKEN"   # once to warm the page cache, as the shell run below is warmed
    for _ in $(seq "$RUNS"); do curl -sf -o /dev/null -w '%{time_total}\n' "$url" -H "authorization: Bearer $TOKEN"; done >"$WORK/$name.api"
    $BIN report "$name" --council-id "$COUNCIL" --from "$FROM" --to "$TO" --sql --database "$DB" >"$WORK/$name.sql"
    sqlite3 "$DB" <"$WORK/$name.sql" >/dev/null
    for _ in $(seq "$RUNS"); do
        s=$(date +%s.%N); sqlite3 "$DB" <"$WORK/$name.sql" >/dev/null; e=$(date +%s.%N)
        python3 -c "print($e - $s)"
    done >"$WORK/$name.cli"
    read -r api50 api95 < <(quantiles <"$WORK/$name.api")
    read -r sql50 sql95 < <(quantiles <"$WORK/$name.cli")
    printf '%-16s %8s ms %8s ms %8s ms %8s ms %8s %9s\n' "$name" "$api50" "$api95" "$sql50" "$sql95" \
        "$(python3 -c "print(f'{$api95 / max($sql95, 1):.2f}')")" "$(jq .suppression.withheld_figures "$WORK/$name.json")"
done
stop_server

[ "${EXPORT:-yes}" = yes ] || exit 0
echo
echo "== the finance audit export, each from a fresh server"
MONTH_FROM=$(date -u -d "$TO - 30 days" +%Y-%m-%d)
for range in "$MONTH_FROM $TO month" "$FROM $TO year"; do
    read -r from to label <<<"$range"
    start_server
    before=$(awk '/^RssAnon:/ {print $2}' "/proc/$server/status")
    echo "$before" >"$WORK/anon.peak"
    # The heap's peak (RssAnon), sampled while the export streams; the file pages SQLite maps
    # (up to 1 GiB of the database, shared with the page cache) are not the export's memory.
    ( peak=0; while kill -0 "$server" 2>/dev/null; do
        anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
        [ "${anon:-0}" -gt "$peak" ] && peak=$anon && echo "$peak" >"$WORK/anon.peak"
        sleep 0.1
      done ) &
    sampler=$!
    s=$(date +%s.%N)
    rows=$(curl -sf "http://127.0.0.1:$PORT/v1/audit/transactions?council_id=$COUNCIL&from=$from&to=$to" -H "authorization: Bearer $TOKEN" | wc -l)
    e=$(date +%s.%N)
    stop_server
    wait "$sampler" 2>/dev/null || true
    peak=$(cat "$WORK/anon.peak")
    python3 -c "
rows, seconds = $rows - 1, $e - $s
print(f'   {\"$label\":>5}: {rows:>9,} rows in {seconds:6.2f} s = {rows / seconds:>9,.0f} rows/s; server heap {$before / 1024:.0f} MiB at start, peak {$peak / 1024:.0f} MiB')
" | tee -a "$WORK/export.txt"
done
python3 - "$WORK/export.txt" <<'EOF2'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
peaks = [float(re.search(r"peak (\d+) MiB", l).group(1)) for l in lines]
rows = [int(re.search(r"([\d,]+) rows in", l).group(1).replace(",", "")) for l in lines]
print(f"   a year's export ({rows[1] / max(rows[0], 1):.1f}x the rows of a month) peaked at {peaks[1] / peaks[0]:.2f}x the month's heap")
EOF2
