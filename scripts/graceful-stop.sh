#!/usr/bin/env bash
# Graceful shutdown under load (run by `make test`): four event-feed long polls are in flight
# (each waits 3 s), and community resources are read (each read a view counted in memory) and the
# catalogue searched, 8 at a time, when the server gets SIGTERM. It must exit 0; the long polls,
# which were being served, must get their whole answers; and every view answered 200 must be in
# community_usage, and the search in the demand log, both flushed on the way out. Connections
# still in the kernel's accept queue when the listener closes are reset, as with any server; they
# are counted, not failed.
source "$(dirname "$0")/lib.sh"

port=${PORT:-18189}
requests=${REQUESTS:-1500}
stop_after=${STOP_AFTER:-300}
base="http://127.0.0.1:$port"

"$binary" migrate --database "$work/market.sqlite" >/dev/null
"$binary" seed --demo --database "$work/market.sqlite" >/dev/null
"$binary" serve --database "$work/market.sqlite" --hostname 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server=$!
wait_healthy "$base" || { echo "graceful-stop: the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

resource=$(curl -sf "$base/v1/community/resources?limit=1" | jq -r '.items[0].id')
provider=$(scripts/demo-sign-in.py "$base" provider@demo.test)
after=$(curl -sf "$base/v1/events?limit=500" -H "authorization: Bearer $provider" | jq -r .next_after)
mkdir "$work/answers" "$work/polls"
for n in 1 2 3 4; do
    (rc=0; code=$(curl -s -o "$work/polls/$n.json" -w '%{http_code}' --max-time 20 "$base/v1/events?after=$after&wait=3" \
        -H "authorization: Bearer $provider") || rc=$?; echo "$code $rc" >"$work/polls/$n.status") &
done
sleep 0.5
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
reset=$(cat "$work"/answers/* | awk '$3 != 0 && $3 != 7' | wc -l)
wait
polls=$(cat "$work"/polls/*.status | awk '$1 == 200 && $2 == 0' | wc -l)
counted=$(sqlite3 "$work/market.sqlite" "SELECT coalesce(sum(views), 0) FROM community_usage")
searches=$(cat "$work"/answers/* | awk '$2 == 200 && $1 ~ /offerings/' | wc -l)
# One caller's identical search is logged once a minute: one row, if any search was answered.
logged=$(sqlite3 "$work/market.sqlite" "SELECT count(*) FROM search_demand")
expected_logged=$(( searches > 0 ? 1 : 0 ))
echo "graceful-stop: exit $status; long polls in flight answered whole: $polls of 4; $answered answered 200 ($views views, $searches searches), $refused refused after the listener closed, $reset reset in the accept queue; $counted views counted, $logged search logged"
if [ "$status" -ne 0 ] || [ "$polls" -ne 4 ] || [ "$counted" -ne "$views" ] || [ "$logged" -ne "$expected_logged" ]; then
    echo "graceful-stop: FAILED" >&2; tail -20 "$work/server.log" >&2; exit 1
fi
echo "graceful-stop: passed: SIGTERM under load finished the requests in flight, flushed every view and the demand log, and exited 0"
