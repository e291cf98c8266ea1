#!/usr/bin/env bash
# Catalogue search benchmark (issues 4 and 16): wrk against a release build on 127.0.0.1, on a
# synthetic market (200,000 offerings by default). Prints, for every line, requests/s, p50 and p99
# latency and a ratio:
#   - hello: a bare Hummingbird hello world (bench/HelloBaseline), the framework's ceiling here;
#   - health: GET /health through the service's whole middleware stack, as a ratio of hello;
#   - text searches (broad, moderate, narrow), a filtered search (category + area + price) and a
#     funded holder's search at council prices, each as a ratio of /health;
#   - mix: the realistic search mix (bench/search-mix.py: 1,200 distinct searches with Zipf
#     frequencies, prefixes, filters, council prices) cycled by bench/search-mix.lua.
# Then the server's peak RSS (VmHWM) and how long the generator took.
#
#   bench/catalogue.sh                        # 200,000 offerings
#   OFFERINGS=1000000 bench/catalogue.sh      # the national-scale run
#   OFFERINGS=50000 DURATION=5 bench/catalogue.sh
#   KEEP=/var/tmp/catalogue-200k.sqlite bench/catalogue.sh   # generate once, then reuse the file
set -euo pipefail
cd "$(dirname "$0")/.."

OFFERINGS=${OFFERINGS:-200000}
PROVIDERS=${PROVIDERS:-$(( OFFERINGS / 100 ))}
COUNCILS=${COUNCILS:-10}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18080}
HELLO_PORT=$((PORT + 1))

for tool in wrk sqlite3; do
  command -v $tool >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $tool; }
done
make -s deps
swift build -c release --product supportmarket 2>&1 | tail -1
swift build -c release --product hello-baseline 2>&1 | tail -1
BIN=.build/release/supportmarket

WORK=$(mktemp -d /tmp/supportmarket-bench.XXXXXX)
DB=${KEEP:-$WORK/market.sqlite}
SERVER_PID=""; HELLO_PID=""
cleanup() { for pid in $SERVER_PID $HELLO_PID; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

export SUPPORTMARKET_LOG_LEVEL=warning
generate_seconds="(kept from an earlier run: $DB)"
if [ ! -f "$DB" ]; then
  echo "== generating $OFFERINGS offerings, $PROVIDERS providers, $COUNCILS councils"
  start=$(date +%s.%N)
  $BIN seed --synthetic --offerings "$OFFERINGS" --providers "$PROVIDERS" --councils "$COUNCILS" --seed 42 --database "$DB" | tail -2
  end=$(date +%s.%N)
  generate_seconds="$(python3 -c "print(f'{$end - $start:.1f}')")s"
fi
$BIN migrate --database "$DB" >/dev/null
TOKENS=()
for council in $(seq 1 "$COUNCILS"); do
  TOKENS+=("$($BIN token create --email "holder$council@s42.synthetic.test" --database "$DB")")
done
HOLDER_TOKEN=${TOKENS[0]}
python3 bench/search-mix.py --database "$DB" --tokens "${#TOKENS[@]}" --seed 7 --out "$WORK/mix.tsv"

.build/release/hello-baseline --port "$HELLO_PORT" > "$WORK/hello.log" 2>&1 &
HELLO_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$HELLO_PORT/health" >/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"

memory() { # pid -> "peak … (heap …, mapped database …)"
  awk '/VmHWM/ {p=$2} /RssAnon/ {a=$2} /RssFile/ {f=$2} END {printf "peak RSS %.0f MiB (now: heap %.0f MiB, mapped database file %.0f MiB)", p/1024, a/1024, f/1024}' "/proc/$1/status"
}

# serve on|off: starts the service with the search page cache on or off and waits until its
# search index is built (it logs that at notice level, and nothing per request).
serve() {
  [ -n "$SERVER_PID" ] && { echo "   $(memory "$SERVER_PID")"; kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }
  local start end
  start=$(date +%s.%N)
  SUPPORTMARKET_LOG_LEVEL=notice SUPPORTMARKET_SEARCH_PAGE_CACHE=$1 $BIN serve --database "$DB" --port "$PORT" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 3000); do grep -q "search index built" "$WORK/server.log" && break; sleep 0.1; done
  grep -q "search index built" "$WORK/server.log" || { echo "the search index was not built in 5 minutes" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "== serving with the search page cache $1: index built in $(python3 -c "print(f'{$end - $start:.1f}')")s after start ($(grep -o '"search.build_ms":"[0-9]*"' "$WORK/server.log" | grep -o '[0-9]*') ms to build); $(memory "$SERVER_PID")"
}
serve on

# Three text searches, from broad to narrow (their match counts are printed below).
declare -A PATHS=(
  [hello]="http://127.0.0.1:$HELLO_PORT/health"
  [health]="$BASE/health"
  [text_broad]="$BASE/v1/offerings?q=home%20care"
  [text]="$BASE/v1/offerings?q=dementia%20support"
  [text_narrow]="$BASE/v1/offerings?q=gujarati%20dementia%20companions"
  [filtered]="$BASE/v1/offerings?category=personal-care&area=HA3&min_price_pence=1500&max_price_pence=2500"
  [council]="$BASE/v1/offerings?category=personal-care&area=HA3&min_price_pence=1500&max_price_pence=2500&sort=price_asc"
  [mix]="$BASE"
)
SEARCHES=(text_broad text text_narrow filtered council)

# Every search must answer 200 with results, or the figures measure an error page.
for name in "${SEARCHES[@]}"; do
  auth=(); [ "$name" = council ] && auth=(-H "authorization: Bearer $HOLDER_TOKEN")
  count=$(curl -sf "${auth[@]}" "${PATHS[$name]}" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
  echo "   $name: first page has $count offerings"
  [ "$count" -gt 0 ] || { echo "search $name found nothing; refusing to benchmark it" >&2; exit 1; }
done
sources=$(curl -sf -H "authorization: Bearer $HOLDER_TOKEN" "${PATHS[council]}" | python3 -c 'import json,sys; print(sorted({i["price_source"] for i in json.load(sys.stdin)["items"]}))')
echo "   council search price sources on its first page: $sources"
for words in "home care" "dementia support" "gujarati dementia companions"; do
  match=$(python3 -c "import sys; print(' '.join('\"%s\"' % w for w in sys.argv[1].split()) + '*')" "$words")
  echo "   '$words' matches $(sqlite3 "$DB" "SELECT count(*) FROM offering_fts WHERE offering_fts MATCH '$match'") published offerings"
done

run() { # name -> "rps p50_ms p99_ms"
  local name=$1 extra=()
  [ "$name" = council ] && extra=(-H "authorization: Bearer $HOLDER_TOKEN")
  [ "$name" = mix ] && extra=(-s bench/search-mix.lua)
  if [ "$name" = mix ]; then
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${extra[@]}" "${PATHS[$name]}" -- "$WORK/mix.tsv" "${TOKENS[@]}" > "$WORK/$name.wrk"
  else
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${extra[@]}" "${PATHS[$name]}" > "$WORK/$name.wrk"
  fi
  bench/wrk-summary.py "$WORK/$name.wrk"
}

page_cache_hits() {
  curl -sf "$BASE/metrics" > "$WORK/metrics.txt"
  python3 - "$WORK/metrics.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
counts = {m.group(1): float(m.group(2)) for m in re.finditer(r'supportmarket_search_pages_total\{cache="(\w+)"\} ([\d.e+]+)', text)}
hits, total = counts.get("hit", 0), sum(counts.values())
print(f"search page cache: {hits:.0f} hits of {total:.0f} index searches ({hits / max(total, 1) * 100:.1f}%)")
PY
}

echo "== wrk: ${DURATION}s each, $CONNECTIONS connections, 2 threads, on $(nproc) cores shared with the server"
printf "%-14s %10s %9s %9s   %s\n" line "req/s" "p50 ms" "p99 ms" "ratio"
hello_rps=""; health_rps=""
measure() { # name label
  local rps p50 p99 ratio
  read -r rps p50 p99 < <(run "$1")
  case $1 in
    hello) hello_rps=$rps; ratio="1.00 (ceiling)" ;;
    health) health_rps=$rps; ratio="$(python3 -c "print(f'{$rps / $hello_rps:.2f}')") of hello" ;;
    *) ratio="$(python3 -c "print(f'{$rps / $health_rps:.3f}')") of health" ;;
  esac
  printf "%-14s %10s %9s %9s   %s\n" "$2" "$rps" "$p50" "$p99" "$ratio"
}
measure hello hello
measure health health
measure mix "mix (cached)"
echo "   $(page_cache_hits) over the cached mix and the checks before it"
# Every other line without the page cache: each search is answered by the index and SQL.
serve off
for name in text_broad text text_narrow filtered council mix; do measure "$name" "$name"; done
echo "   $(memory "$SERVER_PID")"
echo "database file: $(du -m "$DB" | cut -f1) MiB"
echo "generator: $OFFERINGS offerings in $generate_seconds"
