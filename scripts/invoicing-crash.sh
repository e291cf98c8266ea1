#!/usr/bin/env bash
# Invoicing crash drill: a delivered history of $DELIVERIES confirmed deliveries, then invoicing
# runs killed with SIGKILL mid-run (each once it has written more invoice lines than the last),
# then a run to the end. Checks: no delivery on two lines, every due delivery on one line, the
# invoice numbers of every provider 1..N without a gap, every invoice equal to its lines, the
# ledger whole (`supportmarket check-ledger`), and a last run that writes nothing. Run by `make test`.
source "$(dirname "$0")/lib.sh"

deliveries=${DELIVERIES:-40000}
db="$work/market.sqlite"
sql() { sqlite3 -batch -noheader "$db" "PRAGMA busy_timeout = 5000; $1" | tail -n 1; }

"$binary" migrate --database "$db" >/dev/null
"$binary" seed --demo --database "$db" >/dev/null
"$binary" seed --deliveries "$deliveries" --database "$db" >"$work/seed.log" 2>&1
due=$(sql "SELECT count(*) FROM delivery d JOIN purchase_order o ON o.id = d.order_id
    JOIN billing_profile p ON p.provider_id = o.provider_id
    WHERE d.status = 'confirmed' AND d.delivered_on < strftime('%Y-%m-01', 'now')")
echo "invoicing-crash: $due deliveries due to be invoiced"

kills=0
for share in 10 40 70; do
    threshold=$((due * share / 100))
    already=$(sql "SELECT count(*) FROM invoice_line")
    if [ "$threshold" -le "$already" ]; then threshold=$((already + 1)); fi
    "$binary" invoice-run --database "$db" >>"$work/runs.log" 2>&1 &
    runner=$!
    track "$runner"
    while kill -0 "$runner" 2>/dev/null; do
        lines=$(sql "SELECT count(*) FROM invoice_line")
        if [ "$lines" -ge "$threshold" ]; then
            kill -9 "$runner"
            kills=$((kills + 1))
            echo "invoicing-crash: SIGKILL with $lines invoice lines written (aimed at $share%)"
            break
        fi
        sleep 0.05
    done
    wait "$runner" 2>/dev/null || true
    runner=""
done

"$binary" invoice-run --database "$db" >>"$work/runs.log" 2>&1
again=$("$binary" invoice-run --database "$db" 2>/dev/null | tail -n 1)

failed=0
check() { # name, query that must answer 0
    local answer
    answer=$(sql "$2")
    if [ "$answer" != "0" ]; then echo "invoicing-crash: FAILED: $1 ($answer)" >&2; failed=1; fi
}
check "deliveries on two lines" "SELECT count(*) FROM (SELECT delivery_id FROM invoice_line GROUP BY delivery_id HAVING count(*) > 1)"
check "due deliveries not invoiced" "SELECT count(*) FROM delivery d JOIN purchase_order o ON o.id = d.order_id
    JOIN billing_profile p ON p.provider_id = o.provider_id
    WHERE d.status = 'confirmed' AND d.delivered_on < strftime('%Y-%m-01', 'now')
      AND NOT EXISTS (SELECT 1 FROM invoice_line l WHERE l.delivery_id = d.id)"
check "unconfirmed deliveries invoiced" "SELECT count(*) FROM invoice_line l JOIN delivery d ON d.id = l.delivery_id WHERE d.status <> 'confirmed'"
check "providers whose numbers have a gap" "SELECT count(*) FROM (SELECT provider_id FROM invoice GROUP BY provider_id
    HAVING max(sequence_number) <> count(*) OR min(sequence_number) <> 1)"
check "sequences ahead of their invoices" "SELECT count(*) FROM billing_sequence s WHERE document = 'invoice'
    AND last_number <> (SELECT count(*) FROM invoice i WHERE i.provider_id = s.provider_id)"
check "invoices without their issued event" "SELECT count(*) FROM invoice i WHERE NOT EXISTS (SELECT 1 FROM outbox_event e
    WHERE e.type = 'invoice.issued' AND json_extract(e.payload, '\$.invoice_id') = i.id)"
interrupted=$(sql "SELECT count(*) FROM invoicing_run WHERE finished_at IS NULL")
if [ "$interrupted" != "$kills" ]; then echo "invoicing-crash: FAILED: $interrupted unfinished runs for $kills kills" >&2; failed=1; fi
case "$again" in *" 0 invoices, 0 lines"*) ;; *) echo "invoicing-crash: FAILED: the run after the last wrote: $again" >&2; failed=1 ;; esac
"$binary" check-ledger --database "$db" || failed=1
if [ "$failed" -ne 0 ] || [ "$kills" -lt 1 ]; then
    tail -n 20 "$work/runs.log" >&2
    exit 1
fi
echo "invoicing-crash: passed: $kills runs killed mid-way, $(sql "SELECT count(*) FROM invoice") invoices, $(sql "SELECT count(*) FROM invoice_line") lines, every due delivery on exactly one, no number skipped"
