# The preamble every drill shares; sourced, never run:
#   source "$(dirname "$0")/lib.sh"
# It sets strict mode, moves to the repository's root, and gives:
#   $binary          the service binary (BINARY, default the debug build);
#   $work            a scratch folder, removed on exit;
#   $server          set it to the server's pid: it is killed (SIGKILL) on exit;
#   track PID        another background process to kill on exit (receivers, mail servers, runners);
#   wait_healthy URL waits up to 10 s for URL/health to answer 200 (status 1 if it never does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

binary=${BINARY:-.build/debug/supportmarket}
work=$(mktemp -d)
server=""
tracked=""

track() { tracked="$tracked $1"; }

wait_healthy() {
    for _ in $(seq 1 100); do
        curl -sf "$1/health" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

lib_cleanup() {
    for pid in $server $tracked; do { kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true; done
    rm -rf "$work"
}
trap lib_cleanup EXIT
