#!/usr/bin/env bash
# Invoicing benchmark (issue 12): a synthetic history of $DELIVERIES confirmed deliveries
# (`seed --deliveries`), copied twice; on one copy `supportmarket invoice-run` (release build),
# timed, with its peak RSS; on the other its ceiling, the same invoices written by set-based SQL
# in the sqlite3 CLI (bench/invoicing-ceiling.sql). Both must write the same invoices, lines and
# total, or the figures compare different work. Prints lines/s of each and their ratio.
#
#   bench/invoicing.sh                       # 1,000,000 deliveries
#   DELIVERIES=100000 bench/invoicing.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DELIVERIES=${DELIVERIES:-1000000}
command -v sqlite3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3; }
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; }
make -s deps
swift build -c release 2>&1 | tail -1
BIN=.build/release/supportmarket

WORK=$(mktemp -d /tmp/supportmarket-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export SUPPORTMARKET_LOG_LEVEL=warning

echo "== generating a market and $DELIVERIES confirmed deliveries"
start=$(date +%s.%N)
$BIN migrate --database "$WORK/source.sqlite" >/dev/null
$BIN seed --synthetic --offerings 20000 --providers 500 --councils 10 --seed 42 --database "$WORK/source.sqlite" | tail -1
$BIN seed --deliveries "$DELIVERIES" --seed 42 --database "$WORK/source.sqlite" | tail -1
echo "   generated in $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s"
cp "$WORK/source.sqlite" "$WORK/run.sqlite"
cp "$WORK/source.sqlite" "$WORK/ceiling.sqlite"
sync

summary() { sqlite3 -batch -noheader "$1" "SELECT count(*) || ' invoices, ' || coalesce(sum(line_count), 0) || ' lines, ' || coalesce(sum(total_pence), 0) || ' pence' FROM invoice"; }

echo "== invoice-run (release)"
/usr/bin/time -v "$BIN" invoice-run --database "$WORK/run.sqlite" >"$WORK/run.out" 2>"$WORK/run.time" &
timer=$!
# Peak RSS, split: anonymous memory (the heap) and file pages (the database mapped by SQLite's
# mmap, up to 1 GiB, shared with the page cache and given back under pressure).
anon_peak=0; file_peak=0
while kill -0 "$timer" 2>/dev/null; do
    child=$(pgrep -P "$timer" | head -1 || true)
    if [ -n "$child" ] && [ -r "/proc/$child/status" ]; then
        anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)
        file=$(awk '/^RssFile:/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0)
        [ "${anon:-0}" -gt "$anon_peak" ] && anon_peak=$anon
        [ "${file:-0}" -gt "$file_peak" ] && file_peak=$file
    fi
    sleep 0.5
done
wait "$timer"
run_seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2, t, ":"); s = 0; for (i = 1; i <= length(t); i++) s = s * 60 + t[i]; print s}' "$WORK/run.time")
peak_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/run.time")
tail -1 "$WORK/run.out"
run_summary=$(summary "$WORK/run.sqlite")

echo "== the ceiling: the same invoices by INSERT ... SELECT in the sqlite3 CLI"
/usr/bin/time -v sqlite3 "$WORK/ceiling.sqlite" <bench/invoicing-ceiling.sql 2>"$WORK/ceiling.time"
ceiling_seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2, t, ":"); s = 0; for (i = 1; i <= length(t); i++) s = s * 60 + t[i]; print s}' "$WORK/ceiling.time")
ceiling_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/ceiling.time")
ceiling_summary=$(summary "$WORK/ceiling.sqlite")

echo "   invoice-run wrote: $run_summary"
echo "   the ceiling wrote: $ceiling_summary"
if [ "$run_summary" != "$ceiling_summary" ]; then echo "the two wrote different invoices: the comparison is void" >&2; exit 1; fi
$BIN check-ledger --database "$WORK/run.sqlite" | tail -1

lines=$(sqlite3 -batch -noheader "$WORK/run.sqlite" "SELECT count(*) FROM invoice_line")
python3 - "$lines" "$run_seconds" "$ceiling_seconds" "$peak_kib" "$ceiling_kib" "$anon_peak" "$file_peak" <<'PY'
import sys
lines, run, ceiling, rss, ceiling_rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
anon, mapped = int(sys.argv[6]), int(sys.argv[7])
print(f"\n{'':28}{'seconds':>10}{'lines/s':>12}{'peak RSS MiB':>15}")
print(f"{'invoice-run':28}{run:>10.2f}{lines / run:>12,.0f}{rss / 1024:>15.1f}")
print(f"{'SQL ceiling (sqlite3 CLI)':28}{ceiling:>10.2f}{lines / ceiling:>12,.0f}{ceiling_rss / 1024:>15.1f}")
print(f"invoice-run's peak RSS, sampled every 0.5 s: {anon / 1024:.1f} MiB heap (RssAnon), {mapped / 1024:.1f} MiB mapped database file (RssFile)")
print(f"\ninvoice-run / ceiling: {ceiling / run:.2f} (aim >= 0.3); {lines / run:,.0f} lines/s (aim >= 50,000)")
PY
