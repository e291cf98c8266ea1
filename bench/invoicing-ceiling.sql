-- The ceiling of bench/invoicing.sh: the same invoices as `supportmarket invoice-run` writes for
-- the synthetic history (calendar-monthly periods, as every synthetic council has), by set-based
-- SQL in the sqlite3 CLI, in one transaction, with the schema's triggers on: its lines, headers,
-- numbers (the sequence stepped one at a time, as its trigger insists), audit events and outbox
-- events (`invoice.issued`, and `invoice.approved` for those the buyer confirmed in full).
PRAGMA foreign_keys = ON;
PRAGMA synchronous = FULL;
BEGIN;
INSERT INTO invoicing_run (id, as_of, origin, started_at)
    VALUES ('ivr_ceiling0000000000', date('now'), 'command_line', strftime('%Y-%m-%d %H:%M:%f', 'now'));
CREATE TEMP TABLE due AS
SELECT d.id AS delivery_id, d.seq, d.order_id, o.budget_holder_id, l.offering_id, l.title, d.delivered_on,
    d.quantity_hundredths, l.unit, l.unit_price_pence, d.amount_pence, 1 - d.confirmation_deemed AS by_buyer,
    o.provider_id,
    CASE s.fund_holder WHEN 'council' THEN 'council' WHEN 'broker' THEN 'broker' ELSE 'budget_holder' END AS payer_kind,
    CASE s.fund_holder WHEN 'council' THEN h.council_id END AS payer_council_id,
    CASE s.fund_holder WHEN 'broker' THEN s.managing_organisation_id END AS payer_organisation_id,
    CASE s.fund_holder WHEN 'holder' THEN o.budget_holder_id END AS payer_budget_holder_id,
    h.council_id, CASE s.fund_holder WHEN 'council' THEN h.council_reference END AS council_reference,
    substr(d.delivered_on, 1, 8) || '01' AS period_start
FROM delivery d JOIN purchase_order o ON o.id = d.order_id
    JOIN order_line l ON l.order_id = d.order_id AND l.line_number = d.line_number
    JOIN funding_stream s ON s.id = o.stream_id
    JOIN budget_holder h ON h.id = o.budget_holder_id
    JOIN billing_profile p ON p.provider_id = o.provider_id
WHERE d.status = 'confirmed' AND d.delivered_on < strftime('%Y-%m-01', 'now')
    AND NOT EXISTS (SELECT 1 FROM invoice_line x WHERE x.delivery_id = d.id);
CREATE TEMP TABLE due_invoice AS
SELECT 'inv_' || lower(hex(randomblob(10))) AS id, provider_id, payer_kind, payer_council_id, payer_organisation_id,
    payer_budget_holder_id, council_id, period_start, date(period_start, '+1 month', '-1 day') AS period_end,
    row_number() OVER (PARTITION BY provider_id ORDER BY period_start, payer_kind,
        coalesce(payer_council_id, payer_organisation_id, payer_budget_holder_id), coalesce(council_id, ''))
        + coalesce((SELECT last_number FROM billing_sequence b WHERE b.provider_id = due.provider_id AND document = 'invoice'), 0)
        AS sequence_number,
    sum(amount_pence) AS total_pence, count(*) AS line_count, min(by_buyer) AS automatic
FROM due
GROUP BY provider_id, period_start, payer_kind, payer_council_id, payer_organisation_id, payer_budget_holder_id, council_id;
CREATE INDEX due_invoice_key ON due_invoice(provider_id, period_start, payer_kind, payer_council_id, payer_organisation_id,
    payer_budget_holder_id, council_id);
INSERT INTO invoice_line (invoice_id, line_number, delivery_id, order_id, budget_holder_id, offering_id, description,
    delivered_on, quantity_hundredths, unit, unit_price_pence, total_pence, vat_category, council_reference, confirmed_by_buyer)
SELECT i.id, row_number() OVER (PARTITION BY i.id ORDER BY d.delivered_on, d.seq), d.delivery_id, d.order_id,
    d.budget_holder_id, d.offering_id, d.title, d.delivered_on, d.quantity_hundredths, d.unit, d.unit_price_pence,
    d.amount_pence, 'E', d.council_reference, d.by_buyer
FROM due d JOIN due_invoice i ON i.provider_id = d.provider_id AND i.period_start = d.period_start
    AND i.payer_kind = d.payer_kind AND i.payer_council_id IS d.payer_council_id
    AND i.payer_organisation_id IS d.payer_organisation_id AND i.payer_budget_holder_id IS d.payer_budget_holder_id
    AND i.council_id IS d.council_id;
INSERT INTO billing_sequence (provider_id, document, last_number)
SELECT provider_id, 'invoice', 1 FROM due_invoice WHERE true ORDER BY provider_id, sequence_number
ON CONFLICT (provider_id, document) DO UPDATE SET last_number = last_number + 1;
INSERT INTO invoice (id, provider_id, sequence_number, number, payer_kind, payer_council_id, payer_organisation_id,
    payer_budget_holder_id, council_id, period_start, period_end, issue_date, due_date, total_pence, line_count, status,
    approved_by, approved_at, run_id, created_at)
SELECT i.id, i.provider_id, i.sequence_number, p.invoice_prefix || '-' || printf('%06d', i.sequence_number), i.payer_kind,
    i.payer_council_id, i.payer_organisation_id, i.payer_budget_holder_id, i.council_id, i.period_start, i.period_end,
    date('now'), date('now', '+' || p.payment_terms_days || ' days'), i.total_pence, i.line_count,
    CASE WHEN i.automatic = 1 THEN 'approved' ELSE 'awaiting_approval' END,
    CASE WHEN i.automatic = 1 THEN 'automatic' END, CASE WHEN i.automatic = 1 THEN strftime('%Y-%m-%d %H:%M:%f', 'now') END,
    'ivr_ceiling0000000000', strftime('%Y-%m-%d %H:%M:%f', 'now')
FROM due_invoice i JOIN billing_profile p ON p.provider_id = i.provider_id;
INSERT INTO audit_event (occurred_at, action, subject_type, subject_id, details)
SELECT strftime('%Y-%m-%d %H:%M:%f', 'now'), e.action, 'invoice', i.id,
    json_object('invoice_id', i.id, 'number', i.number, 'provider_id', i.provider_id, 'payer_kind', i.payer_kind,
        'payer_id', coalesce(i.payer_council_id, i.payer_organisation_id, i.payer_budget_holder_id), 'status', i.status,
        'total_pence', CAST(i.total_pence AS TEXT), 'due_date', i.due_date, 'run_id', i.run_id, 'reason', '')
FROM invoice i JOIN (SELECT 'invoice.issued' AS action UNION ALL SELECT 'invoice.approved') e
WHERE i.run_id = 'ivr_ceiling0000000000' AND (e.action = 'invoice.issued' OR i.approved_by = 'automatic');
INSERT INTO outbox_event (id, type, occurred_at, payload)
SELECT 'evt_' || lower(hex(randomblob(10))), e.action, strftime('%Y-%m-%d %H:%M:%f', 'now'),
    json_object('invoice_id', i.id, 'number', i.number, 'provider_id', i.provider_id, 'payer_kind', i.payer_kind,
        'payer_id', coalesce(i.payer_council_id, i.payer_organisation_id, i.payer_budget_holder_id), 'status', i.status,
        'total_pence', CAST(i.total_pence AS TEXT), 'due_date', i.due_date)
FROM invoice i JOIN (SELECT 'invoice.issued' AS action UNION ALL SELECT 'invoice.approved') e
WHERE i.run_id = 'ivr_ceiling0000000000' AND (e.action = 'invoice.issued' OR i.approved_by = 'automatic');
UPDATE invoicing_run SET finished_at = strftime('%Y-%m-%d %H:%M:%f', 'now'),
    invoices_written = (SELECT count(*) FROM invoice WHERE run_id = 'ivr_ceiling0000000000'),
    lines_written = (SELECT coalesce(sum(line_count), 0) FROM invoice WHERE run_id = 'ivr_ceiling0000000000'),
    total_pence = (SELECT coalesce(sum(total_pence), 0) FROM invoice WHERE run_id = 'ivr_ceiling0000000000')
WHERE id = 'ivr_ceiling0000000000';
COMMIT;
