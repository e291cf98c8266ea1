#!/usr/bin/env python3
"""A webhook receiver on 127.0.0.1 for scripts/webhooks-drill.sh and bench/webhooks.sh.

Every POST is verified with the Standard Webhooks reference library (`standardwebhooks`, PyPI)
against each secret listed, one per line, in the secrets file (re-read on every request, so a
rotation can be added); one JSON line per request goes to the log: webhook-id, type, which
secrets verified, and the time it arrived. Answers 200, or 500 for a request whose id is
listed in FAIL_FIRST (the first time only), to exercise retries.

usage: webhook-receiver.py PORT SECRETS_FILE LOG_FILE      (NO_VERIFY=1: log without verifying)
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

port, secrets_file, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
NO_VERIFY = os.environ.get("NO_VERIFY") == "1"  # bench/webhooks.sh: the receiver only counts
lock = threading.Lock()
log = open(log_file, "a", buffering=1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            with open(secrets_file) as f:
                secrets = [line.strip() for line in f if line.strip()]
        except FileNotFoundError:
            secrets = []
        verified = []
        for secret in ([] if NO_VERIFY else secrets):
            try:
                Webhook(secret).verify(body, headers)
                verified.append(secret)
            except WebhookVerificationError:
                pass
        try:
            kind = json.loads(body).get("type")
        except ValueError:
            kind = None
        with lock:
            log.write(json.dumps({"id": headers.get("webhook-id"), "type": kind, "verified": verified,
                                  "at": time.time(), "sent": int(headers.get("webhook-timestamp", "0"))}) + "\n")
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a sender killed mid-request (the SIGKILL drill) is expected, not news


Server(("127.0.0.1", port), Handler).serve_forever()
