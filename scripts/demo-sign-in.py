#!/usr/bin/env python3
"""Signs a demo account in and prints a bearer token that has done what its account needs.

An account enrolled with a published `second_factor_secret` in seed-data/demo.json passes its
second factor (`POST /v1/auth/step-up`) with the code an authenticator app (pyotp) computes;
other accounts need nothing more. Demo only: production refuses the demo's accounts.

Usage: scripts/demo-sign-in.py BASE_URL EMAIL [PASSWORD]   (prints the token)
"""
import json
import pathlib
import sys
import time
import urllib.request

import pyotp


def post(url, body, token=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main():
    base, email = sys.argv[1].rstrip("/"), sys.argv[2]
    password = sys.argv[3] if len(sys.argv) > 3 else "supportmarket-demo"
    status, signed_in = post(f"{base}/v1/auth/tokens", {"email": email, "password": password})
    if status != 201:
        sys.exit(f"sign-in of {email} answered {status}: {signed_in}")
    token = signed_in["token"]
    if signed_in.get("assurance") == "second_factor_required":
        demo = json.loads((pathlib.Path(__file__).parent.parent / "seed-data/demo.json").read_text())
        secret = next((u.get("second_factor_secret") for u in demo["users"] if u["email"] == email), None)
        if not secret:
            sys.exit(f"{email} has a second factor whose secret the demo does not publish")
        totp = pyotp.TOTP(secret)
        # Each code is accepted once: a second sign-in within the same 30 seconds waits for the next.
        for _ in range(3):
            status, answer = post(f"{base}/v1/auth/step-up", {"code": totp.now()}, token)
            if status == 200:
                break
            time.sleep(31 - time.time() % 30)
        else:
            sys.exit(f"step-up of {email} answered {status}: {answer}")
    print(token)


if __name__ == "__main__":
    main()
