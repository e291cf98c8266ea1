#!/usr/bin/env bash
# Graceful shutdown under load (run by `make test`): community resources are read (each read a
# view counted in memory) and orders placed, 8 at a time, while the server gets SIGTERM. It must
# exit 0; every request that reached it must get its whole answer (a refused connection after the
# listener closed is fine, a cut-off answer is not); and every view answered 200 must be in
# community_usage, and the search in the demand log, both flushed on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${BINARY:-.build/debug/supportmarket}
port=${PORT:-18189}
requests=${REQUESTS:-1500}
stop_after=${STOP_AFTER:-300}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill -9 "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$binary" migrate --database "$work/market.sqlite" >/dev/null
"$binary" seed --demo --database "$work/market.sqlite" >/dev/null
"$binary" serve --database "$work/market.sqlite" --hostname 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done

resource=$(curl -sf "$base/v1/community/resources?limit=1" | jq -r '.items[0].id')
mkdir "$work/answers"
# One request: a view of the resource (or, every fourth, a search); its status and curl's exit code.
request() {
    local n=$1 path="/v1/community/resources/$resource" code rc=0
    [ $((n % 4)) -eq 0 ] && path="/v1/offerings?q=care&limit=5"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$base$path") || rc=$?
    echo "$path $code $rc" >"$work/answers/$n"
}
export -f request
export work base resource
seq 1 "$requests" | xargs -P 8 -I{} bash -c 'request {}' &
firing=$!
while [ "$(ls "$work/answers" | wc -l)" -lt "$stop_after" ]; do sleep 0.01; done
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=""
wait "$firing" || true

answered=$(cat "$work"/answers/* | awk '$2 == 200' | wc -l)
views=$(cat "$work"/answers/* | awk '$2 == 200 && $1 ~ /community/' | wc -l)
refused=$(cat "$work"/answers/* | awk '$3 == 7' | wc -l)
cut=$(cat "$work"/answers/* | awk '$3 != 0 && $3 != 7' | wc -l)
counted=$(sqlite3 "$work/market.sqlite" "SELECT coalesce(sum(views), 0) FROM community_usage")
searches=$(cat "$work"/answers/* | awk '$2 == 200 && $1 ~ /offerings/' | wc -l)
# One caller's identical search is logged once a minute: one row, if any search was answered.
logged=$(sqlite3 "$work/market.sqlite" "SELECT count(*) FROM search_demand")
expected_logged=$(( searches > 0 ? 1 : 0 ))
echo "graceful-stop: exit $status; $answered answered 200 ($views views, $searches searches), $refused refused after the listener closed, $cut cut off; $counted views counted, $logged search logged"
if [ "$status" -ne 0 ] || [ "$cut" -ne 0 ] || [ "$counted" -ne "$views" ] || [ "$logged" -ne "$expected_logged" ]; then
    echo "graceful-stop: FAILED" >&2; tail -20 "$work/server.log" >&2; exit 1
fi
echo "graceful-stop: passed: SIGTERM under load answered every request that reached the server, flushed every view, and exited 0"
