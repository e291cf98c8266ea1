# Sourced by the drills that place orders against a live server (crash-safety.sh,
# webhooks-drill.sh, backup-drill.sh): places $orders orders, 8 at a time, for $holder against
# $offering on $base as $token, each with its own idempotency key ($key_prefix-N). Each answer
# lands in $work/answers/N.json and its status in N.status. An order counts as acknowledged only
# when its whole 201 answer arrived: curl prints the status of a response whose body was cut off
# by a SIGKILL too, but exits non-zero for it ("incomplete").

place() {
    local n=$1 code
    if code=$(curl -s -o "$work/answers/$n.json" -w '%{http_code}' --max-time 10 "$base/v1/orders" \
        -H "authorization: Bearer $token" -H 'content-type: application/json' -H "idempotency-key: $key_prefix-$n" \
        -d "{\"budget_holder_id\":\"$holder\",\"start_date\":\"$start\",\"lines\":[{\"offering_id\":\"$offering\",\"quantity\":1}]}"); then
        echo "$code" >"$work/answers/$n.status"
    else
        echo "incomplete $code" >"$work/answers/$n.status"
    fi
}

# Starts placing the orders in the background ($firing).
start_placing_orders() {
    mkdir -p "$work/answers"
    export -f place
    export work base token holder start offering key_prefix
    seq 1 "$orders" | xargs -P 8 -I{} bash -c 'place {}' &
    firing=$!
}

acknowledged_count() { grep -l '^201$' "$work"/answers/*.status 2>/dev/null | wc -l; }

wait_until_acknowledged() { while [ "$(acknowledged_count)" -lt "$1" ]; do sleep 0.02; done; }

# Places the orders and kills the server ($server) with SIGKILL once $kill_after were answered 201.
place_orders_and_kill_the_server() {
    start_placing_orders
    wait_until_acknowledged "$kill_after"
    kill -9 "$server"
    wait "$server" 2>/dev/null || true
    server=""
    wait "$firing" || true
}
