#!/usr/bin/env bash
# Catalogue search benchmark (issue 4): wrk against a release build on 127.0.0.1, on a synthetic
# market of 200,000 offerings. Prints requests/s and p50/p99 latency for GET /health (the
# framework's ceiling on this machine, measured in the same run), anonymous text searches (broad,
# moderate and narrow), a filtered search (category + area + price range) and a council-funded
# holder's search at council prices, each search's throughput as a ratio of /health, and how long
# the generator took.
#
#   bench/catalogue.sh                       # defaults below
#   OFFERINGS=50000 DURATION=10 bench/catalogue.sh
set -euo pipefail
cd "$(dirname "$0")/.."

OFFERINGS=${OFFERINGS:-200000}
PROVIDERS=${PROVIDERS:-2000}
COUNCILS=${COUNCILS:-10}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18080}

for tool in wrk sqlite3; do
  command -v $tool >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $tool; }
done
make -s deps
swift build -c release 2>&1 | tail -1
BIN=.build/release/supportmarket

WORK=$(mktemp -d /tmp/supportmarket-bench.XXXXXX)
DB="$WORK/market.sqlite"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

export SUPPORTMARKET_LOG_LEVEL=warning
echo "== generating $OFFERINGS offerings, $PROVIDERS providers, $COUNCILS councils"
start=$(date +%s.%N)
$BIN seed --synthetic --offerings "$OFFERINGS" --providers "$PROVIDERS" --councils "$COUNCILS" --seed 42 --database "$DB" | tail -2
end=$(date +%s.%N)
generate_seconds=$(python3 -c "print(f'{$end - $start:.1f}')")
HOLDER_TOKEN=$($BIN token create --email holder1@s42.synthetic.test --database "$DB")

$BIN serve --database "$DB" --port "$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

BASE="http://127.0.0.1:$PORT"
# Three text searches, from broad to narrow: FTS5 ranks every match, so their cost follows how
# many offerings match (printed below).
declare -A PATHS=(
  [health]="/health"
  [text_broad]="/v1/offerings?q=home%20care"
  [text]="/v1/offerings?q=dementia%20support"
  [text_narrow]="/v1/offerings?q=gujarati%20dementia%20companions"
  [filtered]="/v1/offerings?category=personal-care&area=HA3&min_price_pence=1500&max_price_pence=2500"
  [council]="/v1/offerings?category=personal-care&area=HA3&min_price_pence=1500&max_price_pence=2500&sort=price_asc"
)
ORDER=(health text_broad text text_narrow filtered council)
SEARCHES=(text_broad text text_narrow filtered council)

# Every search must answer 200 with results, or the figures measure an error page.
for name in "${SEARCHES[@]}"; do
  auth=(); [ "$name" = council ] && auth=(-H "authorization: Bearer $HOLDER_TOKEN")
  count=$(curl -sf "${auth[@]}" "$BASE${PATHS[$name]}" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
  echo "   $name: first page has $count offerings"
  [ "$count" -gt 0 ] || { echo "search $name found nothing; refusing to benchmark it" >&2; exit 1; }
done
sources=$(curl -sf -H "authorization: Bearer $HOLDER_TOKEN" "$BASE${PATHS[council]}" | python3 -c 'import json,sys; print(sorted({i["price_source"] for i in json.load(sys.stdin)["items"]}))')
echo "   council search price sources on its first page: $sources"
for words in "home care" "dementia support" "gujarati dementia companions"; do
  match=$(python3 -c "import sys; print(' '.join('\"%s\"*' % w for w in sys.argv[1].split()))" "$words")
  echo "   '$words' matches $(sqlite3 "$DB" "SELECT count(*) FROM offering_fts WHERE offering_fts MATCH '$match'") published offerings"
done

run() { # name -> "rps p50_ms p99_ms"
  local name=$1 auth=()
  [ "$name" = council ] && auth=(-H "authorization: Bearer $HOLDER_TOKEN")
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${auth[@]}" "$BASE${PATHS[$name]}" > "$WORK/$name.wrk"
  python3 - "$WORK/$name.wrk" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors: sys.exit(f"{sys.argv[1]}: {errors.group(1)} error responses")
print(f"{rps:.0f} {ms('50'):.2f} {ms('99'):.2f}")
PY
}

echo "== wrk: ${DURATION}s each, $CONNECTIONS connections, 2 threads, on $(nproc) cores shared with the server"
printf "%-12s %10s %9s %9s %14s\n" endpoint "req/s" "p50 ms" "p99 ms" "ratio /health"
health_rps=""
for name in "${ORDER[@]}"; do
  read -r rps p50 p99 < <(run "$name")
  [ "$name" = health ] && health_rps=$rps
  ratio=$(python3 -c "print(f'{$rps / $health_rps:.2f}')")
  printf "%-12s %10s %9s %9s %14s\n" "$name" "$rps" "$p50" "$p99" "$ratio"
done
echo "generator: $OFFERINGS offerings in ${generate_seconds}s (bar: under 60s)"
