#!/usr/bin/env bash
# Accounts against the real binary, black box (run by `make test`), mail through a real SMTP
# server on 127.0.0.1 (aiosmtpd) and codes from an authenticator app's library (pyotp):
# - a council admin invites a finance officer; the invitation is read from the SMTP server,
#   accepted with the officer's own password, a second factor enrolled with pyotp; the officer
#   approves a payment batch someone else created;
# - a second session signs in, is held at the second factor, steps up with the next code; the same
#   code replayed, and a recovery code used twice, are refused;
# - a broker cannot invite its own finance staff; a colleague it invites, even once a platform
#   admin grants them the broker's finance role, cannot confirm the broker's own change of the
#   account the broker pays from (four eyes held by one person through an invitation);
# - 50 concurrent wrong guesses for one email: no more than the lock allows are checked, every
#   refusal is the same 401 body but for its request id, and afterwards the right password
#   answers exactly like a wrong one;
# - someone who locks an email does not keep its owner out: the owner's device signs in;
# - a disabled account's token fails on its next request.
source "$(dirname "$0")/lib.sh"

port=${PORT:-18195}
smtp_port=$((port + 1))
base="http://127.0.0.1:$port"
fail() { echo "identity-drill: FAILED: $*" >&2; tail -20 "$work/server.log" >&2 || true; exit 1; }
totp() { python3 -c 'import pyotp,sys; print(pyotp.TOTP(sys.argv[1]).now())' "$1"; }
# Waits for the next 30-second step, so that a new code is not the one just used.
next_step() { sleep "$(python3 -c 'import time; print(30.5 - time.time() % 30)')"; }
post() {  # PATH TOKEN [BODY]: the status; the body is in $work/answer
    local body=${3-}
    [ -n "$body" ] || body='{}'
    curl -s -o "$work/answer" -w '%{http_code}' -X POST "$base$1" -H "authorization: Bearer $2" -H 'content-type: application/json' -d "$body"
}

python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$work/maildir" >/dev/null 2>&1 &
track $!
"$binary" migrate --database "$work/market.sqlite" >/dev/null
"$binary" seed --demo --database "$work/market.sqlite" >/dev/null
"$binary" seed --deliveries 400 --database "$work/market.sqlite" >/dev/null 2>&1
"$binary" invoice-run --database "$work/market.sqlite" >/dev/null 2>&1
SUPPORTMARKET_BCRYPT_COST=12 SUPPORTMARKET_PASSWORD_HASHING_LIMIT=13 SUPPORTMARKET_NEW_ROLE_COOLING_OFF_DAYS=0 \
SUPPORTMARKET_SMTP_URL="smtp://127.0.0.1:$smtp_port" SUPPORTMARKET_SMTP_PLAINTEXT_LOOPBACK=on \
SUPPORTMARKET_MAIL_FROM='Supportmarket <no-reply@market.test>' SUPPORTMARKET_PUBLIC_URL="$base" \
    "$binary" serve --database "$work/market.sqlite" --hostname 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server=$!
wait_healthy "$base" || fail "the server did not start"

# The newest mail to $1, its body decoded; waits up to 15 s for the dispatcher.
mail_to() {
    for _ in $(seq 1 150); do
        body=$(python3 - "$work/maildir/new" "$1" <<'EOF'
import email, pathlib, sys
folder, recipient = pathlib.Path(sys.argv[1]), sys.argv[2]
found = []
for path in sorted(folder.glob("*")) if folder.exists() else []:
    message = email.message_from_bytes(path.read_bytes())
    if message["To"] == recipient:
        found.append(message.get_payload(decode=True).decode())
print(found[-1] if found else "")
EOF
)
        [ -n "$body" ] && { printf '%s' "$body"; return; }
        sleep 0.1
    done
}

# 1. Invited, never handed a password.
boss=$(scripts/demo-sign-in.py "$base" councilboss@demo.test)
council=$(curl -sf "$base/v1/me" -H "authorization: Bearer $boss" | jq -r .council_id)
code=$(post /v1/users "$boss" "{\"email\":\"finance3@demo.test\",\"display_name\":\"Fran Finance\",\"role\":\"finance\",\"council_id\":\"$council\",\"password\":\"chosen by the admin\"}")
[ "$code" = 422 ] || fail "an admin set a password for someone else ($code)"
code=$(post /v1/users "$boss" "{\"email\":\"finance3@demo.test\",\"display_name\":\"Fran Finance\",\"role\":\"finance\",\"council_id\":\"$council\"}")
[ "$code" = 201 ] || fail "the invitation answered $code: $(cat "$work/answer")"
grep -q smi_ "$work/answer" && fail "the API answered the invitation's link to its creator"
invitation=$(mail_to finance3@demo.test | grep -o 'smi_[A-Za-z0-9_-]*' | head -1)
[ -n "$invitation" ] || fail "no invitation arrived at the SMTP server"
code=$(curl -s -o "$work/accepted" -w '%{http_code}' "$base/v1/invitations/$invitation/accept" -H 'content-type: application/json' \
    -d '{"password":"fran chose this herself"}')
[ "$code" = 201 ] || fail "accepting the invitation answered $code"
fran=$(jq -r .token "$work/accepted")
[ "$(jq -r .assurance "$work/accepted")" = enrolment_required ] || fail "a finance session did not ask for a second factor"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/payment-batches" -H "authorization: Bearer $fran")
[ "$code" = 403 ] || fail "a finance session without a second factor read batches ($code)"
secret=$(curl -sf -X POST "$base/v1/auth/second-factor" -H "authorization: Bearer $fran" | jq -r .secret)
code=$(post /v1/auth/second-factor/confirm "$fran" "{\"code\":\"$(totp "$secret")\"}")
[ "$code" = 200 ] || fail "enrolment answered $code"
recovery=$(jq -r '.recovery_codes[0]' "$work/answer")
echo "identity-drill: invited (the admin's own password refused 422), the mail read from the SMTP server, accepted, a second factor enrolled with pyotp"

# 2. Approves a batch another officer created.
finance=$(scripts/demo-sign-in.py "$base" finance@demo.test)
code=$(post /v1/payment-batches "$finance" "{\"cut_off_date\":\"$(date -d '+90 days' +%F)\"}")
[ "$code" = 201 ] || fail "creating a batch answered $code: $(cat "$work/answer")"
batch=$(jq -r .id "$work/answer")
code=$(post "/v1/payment-batches/$batch/approve" "$fran")
[ "$code" = 200 ] || fail "the invited officer's approval answered $code: $(cat "$work/answer")"
echo "identity-drill: the invited officer approved a batch another officer created"

# 3. A new session is held at the second factor; codes are single-use.
next_step
second=$(curl -sf "$base/v1/auth/tokens" -H 'content-type: application/json' -d '{"email":"finance3@demo.test","password":"fran chose this herself"}' | jq -r .token)
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/payment-batches" -H "authorization: Bearer $second")
[ "$code" = 401 ] || fail "a session that has not passed its second factor read batches ($code)"
challenge=$(curl -s -D - -o /dev/null "$base/v1/payment-batches" -H "authorization: Bearer $second" | grep -i '^www-authenticate' || true)
grep -q 'insufficient_user_authentication' <<<"$challenge" || fail "no RFC 9470 challenge: $challenge"
now_code=$(totp "$secret")
code=$(post /v1/auth/step-up "$second" "{\"code\":\"$now_code\"}")
[ "$code" = 200 ] || fail "step-up answered $code: $(cat "$work/answer")"
fran_device=$(jq -r .device_token "$work/answer")
third=$(curl -sf "$base/v1/auth/tokens" -H 'content-type: application/json' -d '{"email":"finance3@demo.test","password":"fran chose this herself"}' | jq -r .token)
code=$(post /v1/auth/step-up "$third" "{\"code\":\"$now_code\"}")
[ "$code" = 422 ] || fail "a replayed TOTP code answered $code"
code=$(post /v1/auth/step-up "$third" "{\"code\":\"$recovery\"}")
[ "$code" = 200 ] || fail "a recovery code answered $code"
fourth=$(curl -sf "$base/v1/auth/tokens" -H 'content-type: application/json' -d '{"email":"finance3@demo.test","password":"fran chose this herself"}' | jq -r .token)
code=$(post /v1/auth/step-up "$fourth" "{\"code\":\"$recovery\"}")
[ "$code" = 422 ] || fail "a reused recovery code answered $code"
echo "identity-drill: a new session held at the second factor (401 insufficient_user_authentication) passed with the next code; a replayed code and a reused recovery code refused 422"

# 4. Four eyes held by one person through an invitation: refused.
broker=$(scripts/demo-sign-in.py "$base" broker@demo.test)
organisation=$(curl -sf "$base/v1/me" -H "authorization: Bearer $broker" | jq -r .organisation_id)
code=$(post /v1/users "$broker" "{\"email\":\"colleague@broker.demo.test\",\"display_name\":\"Colleague\",\"role\":\"broker_finance\",\"organisation_id\":\"$organisation\"}")
[ "$code" = 403 ] || fail "the broker invited its own finance staff ($code)"
code=$(post /v1/users "$broker" "{\"email\":\"colleague@broker.demo.test\",\"display_name\":\"Colleague\",\"role\":\"broker\",\"organisation_id\":\"$organisation\"}")
[ "$code" = 201 ] || fail "the broker's invitation answered $code"
colleague_id=$(jq -r .id "$work/answer")
colleague_link=$(mail_to colleague@broker.demo.test | grep -o 'smi_[A-Za-z0-9_-]*' | head -1)
colleague=$(curl -sf "$base/v1/invitations/$colleague_link/accept" -H 'content-type: application/json' -d '{"password":"the colleague chose this"}' | jq -r .token)
colleague_secret=$(curl -sf -X POST "$base/v1/auth/second-factor" -H "authorization: Bearer $colleague" | jq -r .secret)
post /v1/auth/second-factor/confirm "$colleague" "{\"code\":\"$(totp "$colleague_secret")\"}" >/dev/null
colleague_recovery=$(jq -r '.recovery_codes[0]' "$work/answer")
platform_admin=$(scripts/demo-sign-in.py "$base" admin@demo.test)
code=$(post "/v1/users/$colleague_id/role" "$platform_admin" '{"role":"broker_finance"}')
[ "$code" = 200 ] || fail "the platform admin's grant of broker_finance answered $code: $(cat "$work/answer")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/me" -H "authorization: Bearer $colleague")
[ "$code" = 401 ] || fail "the colleague's session outlived the change of role ($code)"
colleague=$(curl -sf "$base/v1/auth/tokens" -H 'content-type: application/json' -d '{"email":"colleague@broker.demo.test","password":"the colleague chose this"}' | jq -r .token)
code=$(post /v1/auth/step-up "$colleague" "{\"code\":\"$colleague_recovery\"}")
[ "$code" = 200 ] || fail "the colleague's step-up answered $code"
code=$(curl -s -o "$work/answer" -w '%{http_code}' -X PUT "$base/v1/payer-accounts/$organisation" -H "authorization: Bearer $broker" \
    -H 'content-type: application/json' -d '{"account_name":"Somewhere Else","sort_code":"20-00-00","account_number":"66666666","service_user_number":"123456"}')
[ "$code" = 202 ] || fail "the broker's proposal answered $code: $(cat "$work/answer")"
change=$(jq -r .id "$work/answer")
code=$(post "/v1/payer-accounts/$organisation/confirm" "$colleague" "{\"change_id\":\"$change\"}")
[ "$code" = 403 ] || fail "a colleague the broker invited confirmed the broker's change ($code)"
grep -q "invited your account" "$work/answer" || fail "the colleague was refused for another reason: $(cat "$work/answer")"
echo "identity-drill: the broker could not invite its own finance staff (403); a colleague it invited, granted broker_finance by a platform admin, could not confirm the broker's own change of account (403, four eyes)"

# 5. 50 concurrent wrong guesses at one email.
mkdir "$work/guesses"
export base work
seq 1 50 | xargs -P 50 -I{} bash -c 'curl -s -o "$work/guesses/{}.body" -w "%{http_code}\n" "$base/v1/auth/tokens" \
    -H "content-type: application/json" -d "{\"email\":\"finance@demo.test\",\"password\":\"guess number {} of fifty\"}" >"$work/guesses/{}.status"'
statuses=$(cat "$work"/guesses/*.status | sort | uniq -c | tr -s ' ')
[ "$(cat "$work"/guesses/*.status | sort -u)" = 401 ] || fail "the guesses were not all answered 401: $statuses"
bodies=$(for f in "$work"/guesses/*.body; do jq -c 'del(.request_id)' "$f"; done | sort -u | wc -l)
[ "$bodies" = 1 ] || fail "the refusals differ ($bodies different bodies)"
email_hash=$(printf %s finance@demo.test | sha256sum | cut -c1-64)
checked=$(sqlite3 "$work/market.sqlite" "SELECT failure_count FROM login_throttle WHERE email_hash = '$email_hash'")
[ "$checked" -le 5 ] || fail "$checked of the 50 guesses were checked"
right=$(curl -s "$base/v1/auth/tokens" -H 'content-type: application/json' -d '{"email":"finance@demo.test","password":"supportmarket-demo"}' | jq -c 'del(.request_id)')
wrong=$(curl -s "$base/v1/auth/tokens" -H 'content-type: application/json' -d '{"email":"finance@demo.test","password":"yet another guess"}' | jq -c 'del(.request_id)')
[ "$right" = "$wrong" ] || fail "after the lock the right password answers differently: $right vs $wrong"
echo "identity-drill: 50 concurrent wrong guesses: all 401 with one body, $checked checked; after the lock the right password answered exactly like a wrong one"

# 5b. Someone who knows Fran's email locks it; Fran's own device still signs in.
for guess in 1 2 3 4 5 6; do
    curl -s -o /dev/null "$base/v1/auth/tokens" -H 'content-type: application/json' -d "{\"email\":\"finance3@demo.test\",\"password\":\"attacker guess $guess\"}"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/auth/tokens" -H 'content-type: application/json' -d '{"email":"finance3@demo.test","password":"fran chose this herself"}')
[ "$code" = 401 ] || fail "a locked email let the right password in without a device ($code)"
code=$(curl -s -o "$work/answer" -w '%{http_code}' "$base/v1/auth/tokens" -H 'content-type: application/json' \
    -d "{\"email\":\"finance3@demo.test\",\"password\":\"fran chose this herself\",\"device_token\":\"$fran_device\"}")
[ "$code" = 201 ] || fail "the owner's device was held out by a lock an attacker caused ($code)"
[ "$(jq -r .assurance "$work/answer")" = second_factor_required ] || fail "the device skipped the second factor"
echo "identity-drill: an attacker locked Fran's email with 6 guesses; Fran's own device (its token from her step-up) still signed in, and was asked for her second factor"

# 6. A disabled account's token fails at once.
fran_id=$(curl -sf "$base/v1/me" -H "authorization: Bearer $second" | jq -r .user_id)
boss=$(scripts/demo-sign-in.py "$base" councilboss@demo.test)
code=$(post "/v1/users/$fran_id/disable" "$boss")
[ "$code" = 200 ] || fail "disabling answered $code: $(cat "$work/answer")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/me" -H "authorization: Bearer $second")
[ "$code" = 401 ] || fail "a disabled account's token answered $code"
events=$(curl -sf "$base/v1/audit/security-events?limit=100" -H "authorization: Bearer $boss" | jq -r '[.items[].action] | unique | join(",")')
echo "identity-drill: a disabled account's token failed on its next request; the council's security audit holds: $events"
echo "identity-drill: passed"
