#!/usr/bin/env bash
# Walks the docs: runs every shell block of README.md and then of each page the README's feature
# table links (docs/features/*.md, in the table's order) against a fresh demo server, as one
# script, so that a later block may use what an earlier one set (tokens, ids). It stops at the
# first command that fails (set -euo pipefail: a curl whose answer is not what the next command
# parses fails there), and afterwards fails if the server answered any 5xx. The blocks say
# `localhost:8080`, as for `make run`; here that is a free port on 127.0.0.1.
#
#   scripts/docs-walk.sh                          # everything
#   scripts/docs-walk.sh docs/features/billing.md # the README's tour, then one page
source "$(dirname "$0")/lib.sh"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
pages=("$@")
if [ ${#pages[@]} -eq 0 ]; then
    mapfile -t pages < <(grep -o '](docs/features/[a-z-]*\.md)' README.md | sed 's/^](//; s/)$//')
fi

# The blocks of README.md and the pages, fenced ```sh, in order, with the demo's address moved.
python3 - "$work/walk.sh" README.md "${pages[@]}" <<'PY'
import re, sys
out, files = sys.argv[1], sys.argv[2:]
with open(out, "w") as script:
    script.write("set -euo pipefail\n")
    # `curl … | head` shows the start of an answer; draining the rest keeps curl from failing
    # on a closed pipe, which pipefail would report.
    script.write("head() { command head \"$@\"; cat >/dev/null; }\n")
    for path in files:
        text = open(path).read()
        for number, block in enumerate(re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M), 1):
            script.write(f"echo '--- {path}, block {number}' >&2\n{block}\n")
PY
sed -i "s#localhost:8080#127.0.0.1:$port#g" "$work/walk.sh"

# The blocks run in a copy of the repository's root made of links ($root), where the demo's
# database has the name `make run` gives it; `../shared` (the standards) is beside it, as here.
root="$work/main"
mkdir "$root"
for shared in $(git ls-tree --name-only HEAD) .build; do ln -s "$PWD/$shared" "$root/$shared"; done
[ -d ../shared ] && ln -s "$(cd .. && pwd)/shared" "$work/shared"
$binary migrate --database "$root/supportmarket.sqlite" >/dev/null
$binary seed --demo --database "$root/supportmarket.sqlite" >/dev/null
SUPPORTMARKET_LOG_LEVEL=info $binary serve --database "$root/supportmarket.sqlite" --hostname 127.0.0.1 --port "$port" \
    > "$work/server.log" 2>&1 &
server=$!
wait_healthy "$base" || { cat "$work/server.log"; exit 1; }

echo "docs walk: $(grep -c '^echo .--- ' "$work/walk.sh") blocks from README.md ${pages[*]}"
if ! (cd "$root" && bash "$work/walk.sh" > "$work/walk.out"); then
    tail -n 12 "$work/walk.out" | cut -c1-300
    echo "docs walk: a command failed (its block is named above)" >&2
    exit 1
fi
if grep -E 'http\.status[=":]+5[0-9][0-9]|unexpected error' "$work/server.log" | head -5 | grep .; then
    echo "docs walk: the server answered 5xx while the docs were walked" >&2
    exit 1
fi
grep -q 'http.status' "$work/server.log" || { echo "docs walk: the server logged no requests" >&2; exit 1; }
echo "docs walk: every block ran; the server answered $(grep -c 'http.status' "$work/server.log") requests, none with a 5xx"
