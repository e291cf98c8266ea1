#!/usr/bin/env python3
"""Checks that openapi.yaml documents every status the middleware can send on every operation.

Every route passes through the same middleware, so some answers are possible everywhere: 401 (a
malformed, unknown, expired or revoked bearer token, also on public routes), 413 and 415 on every
POST, PUT, PATCH and DELETE (body limits), 422 on every operation (a query parameter whose text
the edge refuses: control or bidirectional characters; and on POST a malformed Idempotency-Key), 400
wherever the path has an id parameter (a malformed id), and 409 wherever Idempotency-Key is taken
(a key whose first request is still running). Exits 1 naming each gap.
"""
import sys

import yaml

with open(sys.argv[1] if len(sys.argv) > 1 else "openapi.yaml") as file:
    spec = yaml.safe_load(file)
gaps = []
for path, operations in spec["paths"].items():
    for method, operation in operations.items():
        if method not in ("get", "post", "put", "patch", "delete"):
            continue
        codes = set(operation.get("responses", {}))
        need = {"401", "422"}
        if method in ("post", "put", "patch", "delete"):
            need |= {"413", "415"}
        # A path id that is malformed is 400; a path name from a fixed list (an enum) that is not
        # on it is simply not found (404).
        names = [p for p in operation.get("parameters", []) if p.get("in") == "path"]
        if "{" in path and not (names and all("enum" in p.get("schema", {}) for p in names)):
            need.add("400")
        if any(p.get("$ref", "").endswith("/IdempotencyKey") for p in operation.get("parameters", [])):
            need.add("409")
        missing = sorted(need - codes)
        if missing:
            gaps.append(f"{method.upper()} {path}: {', '.join(missing)} undocumented")
for gap in gaps:
    print(f"openapi-statuses: {gap}", file=sys.stderr)
if gaps:
    sys.exit(1)
print("openapi-statuses: every operation documents the statuses its middleware can send")
