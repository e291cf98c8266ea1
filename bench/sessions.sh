#!/usr/bin/env bash
# What sessions cost (issue 28): every authenticated request now reads its session (idle time,
# second factor, disabled account) and a sign-in reserves its attempt before bcrypt and writes
# where it came from. This measures, with wrk on release builds, the same lines for this tree
# and for a baseline commit built beside it in the same run, and prints after/before ratios:
#   - health: GET /health (no session);
#   - me: GET /v1/me as a budget holder (the session read alone);
#   - council: a funded holder's search at the council's prices (a session read and a search);
#   - sign-in: POST /v1/auth/tokens for the holder (bcrypt at the demo's cost, and the writes
#     around it), at 4 connections: bcrypt's queue, not the network, sets its latency.
#
#   bench/sessions.sh                          # baseline: the commit before second factors
#   BEFORE_COMMIT=<sha> DURATION=20 bench/sessions.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BEFORE_COMMIT=${BEFORE_COMMIT:-3c7a31d}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18290}
BEFORE_TREE=${BEFORE_TREE:-/tmp/supportmarket-before-$BEFORE_COMMIT}

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
make -s deps
swift build -c release --product supportmarket 2>&1 | tail -1
if [ ! -x "$BEFORE_TREE/.build/release/supportmarket" ]; then
  [ -d "$BEFORE_TREE" ] || git worktree add -f --detach "$BEFORE_TREE" "$BEFORE_COMMIT" >/dev/null
  (cd "$BEFORE_TREE" && swift build -c release --product supportmarket 2>&1 | tail -1)
fi

WORK=$(mktemp -d /tmp/supportmarket-sessions.XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export SUPPORTMARKET_LOG_LEVEL=warning SUPPORTMARKET_WEBHOOK_DISPATCH=off

cat > "$WORK/sign-in.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"email":"holder@demo.test","password":"supportmarket-demo"}'
LUA

wrk_line() { bench/wrk-summary.py "$1" --rps-decimals 1; }  # file -> "rps p50_ms p99_ms"

# measure NAME TREE: serves a fresh demo market (the tree's own) with the tree's release binary
# and writes NAME.<line> results.
measure() {
  local name=$1 tree=$2 db="$WORK/$1.sqlite" base="http://127.0.0.1:$PORT"
  local binary="$tree/.build/release/supportmarket"
  (cd "$tree" && "$binary" seed --demo --database "$db" >/dev/null)
  "$binary" serve --database "$db" --hostname 127.0.0.1 --port "$PORT" > "$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do curl -sf "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done
  local token
  token=$(curl -sf "$base/v1/auth/tokens" -H 'content-type: application/json' \
    -d '{"email":"holder@demo.test","password":"supportmarket-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  local council="$base/v1/offerings?category=day-activities&sort=price_asc"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" "$council")" = 200 ] || { echo "the council search failed" >&2; exit 1; }
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$base/health" > "$WORK/$name.health.wrk"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "authorization: Bearer $token" "$base/v1/me" > "$WORK/$name.me.wrk"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "authorization: Bearer $token" "$council" > "$WORK/$name.council.wrk"
  wrk -t2 -c4 -d"${DURATION}s" --latency -s "$WORK/sign-in.lua" "$base/v1/auth/tokens" > "$WORK/$name.sign-in.wrk"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

echo "== $(nproc) cores shared by wrk and the server; ${DURATION}s per line; before: $BEFORE_COMMIT, after: $(git rev-parse --short HEAD)"
measure before "$BEFORE_TREE"
measure after "$PWD"
printf "%-9s %27s   %27s   %s\n" "" "before: req/s p50 p99 (ms)" "after: req/s p50 p99 (ms)" "after/before: req/s, p99"
for line in health me council sign-in; do
  read -r b_rps b_p50 b_p99 < <(wrk_line "$WORK/before.$line.wrk")
  read -r a_rps a_p50 a_p99 < <(wrk_line "$WORK/after.$line.wrk")
  printf "%-9s %9s %8s %8s   %9s %8s %8s   %s\n" "$line" "$b_rps" "$b_p50" "$b_p99" "$a_rps" "$a_p50" "$a_p99" \
    "$(python3 -c "print(f'{$a_rps / $b_rps:.2f}, {$a_p99 / $b_p99:.2f}')")"
done
