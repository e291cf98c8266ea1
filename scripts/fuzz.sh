#!/usr/bin/env bash
# Fuzzes a freshly seeded local server from openapi.yaml with schemathesis, anonymously and as nine
# demo accounts, and fails on any 5xx and on any answer the spec does not describe (status code,
# content type, headers, response schema). Bounded: 40 examples per operation and role.
# `make test` runs a shorter pass of the same checks (scripts/conformance.sh).
# Usage: scripts/fuzz.sh   (needs `pip install schemathesis`; builds the debug binary first)
source "$(dirname "$0")/lib.sh"
port=${PORT:-8099}
swift build
"$binary" seed --demo --database "$work/fuzz.sqlite"
SUPPORTMARKET_WEBHOOK_DISPATCH=off "$binary" serve --database "$work/fuzz.sqlite" --port "$port" --hostname 127.0.0.1 > /dev/null &
server=$!
wait_healthy "http://127.0.0.1:$port"
run() {
  python3 "$(dirname "$0")/run-schemathesis.py" run "http://127.0.0.1:$port/openapi.yaml" --url "http://127.0.0.1:$port" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-examples 40 --exclude-operation-id revokeCurrentToken --exclude-operation-id endSession --exclude-operation-id changePassword "$@"
}
run
# The admins last: they may disable, re-role or reset the accounts fuzzed after them.
for who in finance community provider holder broker broker2 selffunder councilboss admin; do
  token=$(scripts/demo-sign-in.py "http://127.0.0.1:$port" "$who@demo.test")
  run -H "Authorization: Bearer $token"
done
