#!/usr/bin/env bash
# Webhook delivery benchmark (issue 18), release build, everything on 127.0.0.1.
#
# Throughput: $EVENTS events (written into the outbox while the dispatcher is off, each addressed
# to Brightpath) fan out to $ENDPOINTS endpoints of Brightpath's, all on one receiver
# (scripts/webhook-receiver.py, logging without verifying); the server then starts with the
# dispatcher on and the clock runs from the first delivery received to the last. Its ceiling, in
# the same run: `curl --parallel --parallel-max 64` posting the same number of signed payloads to
# the same receiver (64 is the dispatcher's own limit in flight).
#
# Latency: with the backlog drained, one offering is unpublished and published again through the
# API, one request after another, $LATENCY_EVENTS events in all; p50 and p99 from each event's
# time (taken as its transaction starts) to its receipt.
#
# The receiver is Python's threaded HTTP server; it bounds both sides alike, so the ratio, not the
# absolute rate, says how close the dispatcher comes to what curl itself can send.
#
#   bench/webhooks.sh
#   EVENTS=1000 ENDPOINTS=8 bench/webhooks.sh
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-2000}
ENDPOINTS=${ENDPOINTS:-16}
LATENCY_EVENTS=${LATENCY_EVENTS:-200}
PORT=${PORT:-18281}
RECEIVER_PORT=${RECEIVER_PORT:-18282}
make -s deps pydeps
swift build -c release --product supportmarket 2>&1 | tail -1
BIN=.build/release/supportmarket
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d /tmp/supportmarket-bench.XXXXXX)
server=""; receiver=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "$receiver" ] && kill "$receiver" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
export SUPPORTMARKET_LOG_LEVEL=warning SUPPORTMARKET_WEBHOOK_ALLOW_HOSTS=127.0.0.1

start_server() {
    SUPPORTMARKET_WEBHOOK_DISPATCH=$1 $BIN serve --database "$WORK/market.sqlite" --hostname 127.0.0.1 --port "$PORT" >>"$WORK/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "the server did not start" >&2; cat "$WORK/server.log" >&2; exit 1
}
stop_server() { kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""; }
received() { wc -l <"$WORK/received.jsonl"; }
wait_for() {  # until the receiver has $1 lines, at most 300 s
    for _ in $(seq 1 3000); do [ "$(received)" -ge "$1" ] && return 0; sleep 0.1; done
    echo "only $(received) of $1 arrived" >&2; exit 1
}

$BIN migrate --database "$WORK/market.sqlite" >/dev/null
$BIN seed --demo --database "$WORK/market.sqlite" >/dev/null
touch "$WORK/secrets" "$WORK/received.jsonl"
NO_VERIFY=1 python3 scripts/webhook-receiver.py "$RECEIVER_PORT" "$WORK/secrets" "$WORK/received.jsonl" &
receiver=$!

echo "== $EVENTS events x $ENDPOINTS endpoints = $((EVENTS * ENDPOINTS)) deliveries"
start_server off
PROVIDER=$(scripts/demo-sign-in.py "$BASE" provider@demo.test)
BRIGHTPATH=$(curl -sf "$BASE/v1/me" -H "authorization: Bearer $PROVIDER" | jq -r .organisation_id)
for n in $(seq 1 "$ENDPOINTS"); do
    curl -sf "$BASE/v1/webhook-endpoints" -H "authorization: Bearer $PROVIDER" -H 'content-type: application/json' \
        -d "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/e$n\",\"event_types\":[\"order.placed\"]}" | jq -r .secret >>"$WORK/secrets"
done
stop_server
sqlite3 "$WORK/market.sqlite" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $EVENTS)
INSERT INTO outbox_event (id, type, occurred_at, payload)
    SELECT printf('evt_%020d', i), 'order.placed', strftime('%Y-%m-%d %H:%M:%f', 'now'),
        json_object('order_id', printf('ord_%020d', i), 'provider_id', '$BRIGHTPATH', 'status', 'placed', 'total_pence', 1940)
    FROM n;
INSERT INTO outbox_audience (audience, event_seq) SELECT '$BRIGHTPATH', seq FROM outbox_event WHERE id GLOB 'evt_0*';
SQL
start_server on
wait_for $((EVENTS * ENDPOINTS))
stop_server
read -r ours first last < <(python3 - "$WORK/received.jsonl" <<'PY'
import json, sys
at = [json.loads(line)["at"] for line in open(sys.argv[1])]
print(len(at) / (max(at) - min(at)), min(at), max(at))
PY
)

# The ceiling: the same number of signed requests, as curl's own parallel mode sends them.
python3 - "$WORK/received.jsonl" "$WORK/curl.cfg" "$RECEIVER_PORT" "$((EVENTS * ENDPOINTS))" <<'PY'
import sys
log, config, port, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
body = '{"type":"order.placed","timestamp":"2026-12-06T00:00:00Z","data":{"order_id":"ord_00000000000000000001","provider_id":"org_x","status":"placed","total_pence":1940}}'
with open(config, "w") as f:
    for i in range(count):
        f.write("next\n" if i else "")
        f.write(f'url = "http://127.0.0.1:{port}/ceiling"\nrequest = "POST"\n'
                f'header = "content-type: application/json"\nheader = "webhook-id: evt_{i:020d}"\n'
                f'header = "webhook-timestamp: 1765000000"\nheader = "webhook-signature: v1,AAAA"\n'
                f"data = '{body}'\noutput = /dev/null\n")
PY
before=$(received)
started=$(date +%s.%N)
curl -s --no-progress-meter --parallel --parallel-max 64 -K "$WORK/curl.cfg"
ended=$(date +%s.%N)
ceiling_count=$(( $(received) - before ))
ceiling=$(python3 -c "print($ceiling_count / ($ended - $started))")

echo "== latency: $LATENCY_EVENTS events through the API, one request after another"
: >"$WORK/latency.jsonl"
start_server on
OFFERING=$(curl -sf "$BASE/v1/providers/$BRIGHTPATH/offerings?limit=1" | jq -r '.items[0].id')
LATENCY_ENDPOINT=$(curl -sf "$BASE/v1/webhook-endpoints" -H "authorization: Bearer $PROVIDER" -H 'content-type: application/json' \
    -d "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/latency\",\"event_types\":[\"offering.published\",\"offering.unpublished\"]}" | jq -r .id)
before=$(received)
for n in $(seq 1 $((LATENCY_EVENTS / 2))); do
    curl -sf -o /dev/null -X POST "$BASE/v1/offerings/$OFFERING/unpublish" -H "authorization: Bearer $PROVIDER"
    curl -sf -o /dev/null -X POST "$BASE/v1/offerings/$OFFERING/publish" -H "authorization: Bearer $PROVIDER"
done
wait_for $((before + LATENCY_EVENTS))
stop_server
read -r p50 p99 < <(python3 - "$WORK/received.jsonl" "$WORK/market.sqlite" <<'PY'
import json, sqlite3, sys, datetime
received = {}
for line in open(sys.argv[1]):
    entry = json.loads(line)
    if entry["type"] and entry["type"].startswith("offering."):
        received.setdefault(entry["id"], entry["at"])
db = sqlite3.connect(sys.argv[2])
latencies = []
for id, occurred in db.execute("SELECT id, occurred_at FROM outbox_event WHERE type GLOB 'offering.*publish*'"):
    if id in received:
        committed = datetime.datetime.strptime(occurred, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
        latencies.append((received[id] - committed) * 1000)
latencies.sort()
print(f"{latencies[len(latencies) // 2]:.1f} {latencies[int(len(latencies) * 0.99)]:.1f}")
PY
)
echo
printf '%-44s %12s\n' "" "deliveries/s"
printf '%-44s %12.0f\n' "dispatcher (libcurl multi, 64 in flight)" "$ours"
printf '%-44s %12.0f\n' "ceiling: curl --parallel --parallel-max 64" "$ceiling"
printf '%-44s %12.2f\n' "ratio (aim >= 0.5)" "$(python3 -c "print($ours / $ceiling)")"
echo "commit to receipt, $LATENCY_EVENTS events through the API: p50 $p50 ms, p99 $p99 ms"
