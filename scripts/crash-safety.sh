#!/usr/bin/env bash
# Crash safety: places orders against a real server, kills it with SIGKILL mid-stream, restarts it
# on the same database, and checks that every order answered 201 is there with its reservation and
# that the ledger invariants hold (`supportmarket check-ledger`). Run by `make test`.
source "$(dirname "$0")/lib.sh"

port=${PORT:-18181}
orders=${ORDERS:-400}
kill_after=${KILL_AFTER:-60}   # kill once this many orders have been answered 201
base="http://127.0.0.1:$port"

start_server() {
    "$binary" serve --database "$work/market.sqlite" --hostname 127.0.0.1 --port "$port" >>"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do
        curl -sf "$base/health" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "crash-safety: the server did not start" >&2
    cat "$work/server.log" >&2
    exit 1
}

"$binary" migrate --database "$work/market.sqlite" >/dev/null
"$binary" seed --demo --database "$work/market.sqlite" >/dev/null
start_server

login=$(curl -sf "$base/v1/auth/tokens" -H 'content-type: application/json' \
    -d '{"email":"holder@demo.test","password":"supportmarket-demo"}')
token=$(jq -r .token <<<"$login")
holder=$(jq -r .principal.budget_holder_id <<<"$login")
offering=$(curl -sf "$base/v1/offerings?category=personal-care&limit=1" -H "authorization: Bearer $token" | jq -r '.items[0].id')
start=$(date -u +%Y-%m-%d)
key_prefix=crash
source scripts/orders-under-sigkill.sh
place_orders_and_kill_the_server

acknowledged=$(grep -l '^201$' "$work"/answers/*.status | wc -l)
unanswered=$(grep -L '^201$' "$work"/answers/*.status | wc -l)
echo "crash-safety: $acknowledged orders answered 201 before and around the SIGKILL, $unanswered not"

start_server
missing=0
for status in $(grep -l '^201$' "$work"/answers/*.status); do
    answer="${status%.status}.json"
    id=$(jq -r .id "$answer")
    total=$(jq -r .total_pence "$answer")
    stored=$(curl -s "$base/v1/orders/$id" -H "authorization: Bearer $token" | jq -r .total_pence)
    if [ "$stored" != "$total" ]; then
        echo "crash-safety: order $id was answered 201 but is missing or changed after the restart" >&2
        missing=$((missing + 1))
    fi
done
kill -TERM "$server"
wait "$server" 2>/dev/null || true
server=""

"$binary" check-ledger --database "$work/market.sqlite"
if [ "$missing" -ne 0 ] || [ "$acknowledged" -lt "$kill_after" ]; then
    echo "crash-safety: FAILED ($missing acknowledged orders lost)" >&2
    exit 1
fi
echo "crash-safety: passed: every acknowledged order survived with its reservation"
