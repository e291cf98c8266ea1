#!/usr/bin/env bash
# Order placement benchmark (issue 5): POST /v1/orders with wrk against a release build on
# 127.0.0.1, next to its storage ceiling measured in the same run: the same rows written by plain
# SQLite transactions in a loop (bench/OrderStorageBaseline), on the same kind of database with the
# same pragmas. Prints orders/s, p50/p99 latency, and the ratio. Both use synchronous=FULL in WAL,
# as the service does; the baseline is also run with NORMAL to show what FULL costs. Afterwards the
# ledger is checked (`supportmarket check-ledger`).
#
#   bench/orders.sh
#   DURATION=30 CONNECTIONS=32 bench/orders.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-16}
BASELINE_ORDERS=${BASELINE_ORDERS:-5000}
PORT=${PORT:-18082}

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
make -s deps
swift build -c release --product supportmarket 2>&1 | tail -1
swift build -c release --product order-storage-baseline 2>&1 | tail -1
BIN=.build/release/supportmarket
BASELINE=.build/release/order-storage-baseline

WORK=$(mktemp -d /tmp/supportmarket-bench.XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export SUPPORTMARKET_LOG_LEVEL=warning

prepare() { # a fresh demo market in $1
  $BIN migrate --database "$1" >/dev/null
  $BIN seed --demo --database "$1" >/dev/null
}
prepare "$WORK/http.sqlite"
$BIN serve --database "$WORK/http.sqlite" --hostname 127.0.0.1 --port "$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done

login() { curl -sf "$BASE/v1/auth/tokens" -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"supportmarket-demo\"}"; }
HOLDER_LOGIN=$(login holder@demo.test)
HOLDER_TOKEN=$(jq -r .token <<<"$HOLDER_LOGIN")
HOLDER=$(jq -r .principal.budget_holder_id <<<"$HOLDER_LOGIN")
ADMIN_TOKEN=$(scripts/demo-sign-in.py "$BASE" councilboss@demo.test)
# A stream big enough that no order is refused for want of money during the run.
STREAM=$(curl -sf "$BASE/v1/budget-holders/$HOLDER/streams" -H "authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' \
  -d '{"source":"other","management_option":"council_managed","fund_holder":"council","period_from":"2026-01-01","period_to":"2099-12-31","allocation_pence":1000000000}' | jq -r .id)
LISTED=$(curl -sf "$BASE/v1/offerings?category=personal-care&limit=1" -H "authorization: Bearer $HOLDER_TOKEN")
OFFERING=$(jq -r '.items[0].id' <<<"$LISTED")
PROVIDER=$(jq -r '.items[0].provider_id' <<<"$LISTED")
BODY="{\"budget_holder_id\":\"$HOLDER\",\"stream_id\":\"$STREAM\",\"start_date\":\"$(date -u +%Y-%m-%d)\",\"lines\":[{\"offering_id\":\"$OFFERING\",\"quantity\":1}]}"
first=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/orders" -H "authorization: Bearer $HOLDER_TOKEN" -H 'content-type: application/json' -d "$BODY")
[ "$first" = 201 ] || { echo "a test order answered $first; refusing to benchmark an error" >&2; exit 1; }

cat > "$WORK/order.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $HOLDER_TOKEN"
LUA

echo "== wrk: POST /v1/orders for ${DURATION}s, $CONNECTIONS connections, 2 threads, on $(nproc) cores shared with the server"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/order.lua" "$BASE/v1/orders" > "$WORK/orders.wrk"
read -r http_rps p50 p99 < <(bench/wrk-summary.py "$WORK/orders.wrk")
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
$BIN check-ledger --database "$WORK/http.sqlite"

# The baseline writes to its own copy of the same market, through the same ids.
USER_ID=$(jq -r .principal.user_id <<<"$HOLDER_LOGIN")
baseline() { # synchronous -> orders/s
  cp "$WORK/http.sqlite" "$WORK/baseline-$1.sqlite"
  $BASELINE --database "$WORK/baseline-$1.sqlite" --holder "$HOLDER" --stream "$STREAM" --offering "$OFFERING" \
    --provider "$PROVIDER" --user "$USER_ID" --orders "$BASELINE_ORDERS" --synchronous "$1"
}
full_rps=$(baseline FULL)
normal_rps=$(baseline NORMAL)

printf "%-44s %10s %9s %9s %8s\n" "" "orders/s" "p50 ms" "p99 ms" "ratio"
printf "%-44s %10s %9s %9s %8s\n" "POST /v1/orders over HTTP (synchronous=FULL)" "$http_rps" "$p50" "$p99" \
  "$(python3 -c "print(f'{$http_rps / $full_rps:.2f}')")"
printf "%-44s %10s %9s %9s %8s\n" "baseline: plain SQLite, synchronous=FULL" "$full_rps" "" "" "1.00"
printf "%-44s %10s %9s %9s %8s\n" "baseline: plain SQLite, synchronous=NORMAL" "$normal_rps" "" "" \
  "$(python3 -c "print(f'{$normal_rps / $full_rps:.2f}')")"
