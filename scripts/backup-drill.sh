#!/usr/bin/env bash
# Backup and restore, against the real binary while it serves (run by `make test`): orders are
# placed continuously; mid-stream `supportmarket backup` takes an online copy; the copy is put in
# place of a new database with `supportmarket restore`, a second server starts on it, and every
# order acknowledged before the backup began must be there, the ledger check must pass, and no
# order in the copy may be half there (lines, reservation and event all present). A restore over
# the database the first server uses must be refused.
source "$(dirname "$0")/lib.sh"

port=${PORT:-18187}
orders=${ORDERS:-600}
backup_after=${BACKUP_AFTER:-40}
base="http://127.0.0.1:$port"

start_server() {  # DATABASE PORT
    "$binary" serve --database "$1" --hostname 127.0.0.1 --port "$2" >>"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "backup-drill: the server did not start" >&2; cat "$work/server.log" >&2; exit 1
}

"$binary" migrate --database "$work/market.sqlite" >/dev/null
"$binary" seed --demo --database "$work/market.sqlite" >/dev/null
start_server "$work/market.sqlite" "$port"

login=$(curl -sf "$base/v1/auth/tokens" -H 'content-type: application/json' \
    -d '{"email":"holder@demo.test","password":"supportmarket-demo"}')
token=$(jq -r .token <<<"$login")
holder=$(jq -r .principal.budget_holder_id <<<"$login")
offering=$(curl -sf "$base/v1/offerings?category=personal-care&limit=1" -H "authorization: Bearer $token" | jq -r '.items[0].id')
start=$(date -u +%Y-%m-%d)
key_prefix=backup
source scripts/orders-under-sigkill.sh

start_placing_orders
wait_until_acknowledged "$backup_after"
# Acknowledged before the backup began: these must all be in the copy.
grep -l '^201$' "$work"/answers/*.status | sed 's/status$/json/' | xargs jq -r .id | sort >"$work/before.txt"
"$binary" backup --database "$work/market.sqlite" --to "$work/backup.sqlite"
wait "$firing" || true
if "$binary" restore --database "$work/market.sqlite" --from "$work/backup.sqlite" 2>"$work/refused.txt"; then
    echo "backup-drill: FAILED: a restore over the database in use was not refused" >&2; exit 1
fi
kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""
total=$(acknowledged_count)

"$binary" restore --database "$work/restored.sqlite" --from "$work/backup.sqlite"
start_server "$work/restored.sqlite" "$((port + 1))"
missing=0
while read -r id; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((port + 1))/v1/orders/$id" -H "authorization: Bearer $token")
    [ "$code" = 200 ] || { echo "backup-drill: order $id, acknowledged before the backup, is not in the copy ($code)" >&2; missing=$((missing + 1)); }
done <"$work/before.txt"
kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""

half=$(sqlite3 "$work/restored.sqlite" "SELECT count(*) FROM purchase_order o WHERE
    NOT EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = o.id)
    OR NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.order_id = o.id AND e.kind = 'reservation')
    OR NOT EXISTS (SELECT 1 FROM outbox_event v WHERE v.type = 'order.placed' AND json_extract(v.payload, '$.order_id') = o.id)")
copied=$(sqlite3 "$work/restored.sqlite" "SELECT count(*) FROM purchase_order")
"$binary" check-ledger --database "$work/restored.sqlite"
echo "backup-drill: $total orders acknowledged in all, $(wc -l <"$work/before.txt") before the backup began; the copy has $copied, $missing of those missing, $half half there"
if [ "$missing" -ne 0 ] || [ "$half" -ne 0 ] || [ "$(wc -l <"$work/before.txt")" -lt "$backup_after" ]; then
    echo "backup-drill: FAILED" >&2; exit 1
fi
grep -q "in use" "$work/refused.txt" || { echo "backup-drill: FAILED: the refusal did not say why" >&2; cat "$work/refused.txt" >&2; exit 1; }
echo "backup-drill: passed: an online backup mid-stream restored whole, with every order acknowledged before it"
