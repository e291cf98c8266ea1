#!/usr/bin/env python3
"""Validates a live server's Open Referral UK 3.0 API against the official ORUK schemas.

Usage: scripts/oruk-validate.py BASE_URL [STANDARDS_DIR]
  BASE_URL       e.g. http://127.0.0.1:8080/v1/community/oruk
  STANDARDS_DIR  the folder holding oruk-3.0/ and examples/ (default ../shared/standards)

Walks every page of /services, /service_at_locations, /taxonomies and /taxonomy_terms, and fetches
every item by id. Each list item and each item is validated with jsonschema's Draft 2020-12
validator, formats checked (uuid, date, date-time, uri, email), against the profile's compiled
schemas; each page against the profile's Page envelope. Exits 1 on any violation. Skips, saying
so, when the standards folder is absent. First checks that the validator rejects the ORUK mock
that is meant to fail, so a validator that accepts everything cannot pass.
"""
import json
import os
import sys
import urllib.request

from jsonschema import Draft202012Validator

base = sys.argv[1].rstrip("/")
standards = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "standards")
profile = os.path.join(standards, "oruk-3.0")
if not os.path.isdir(profile):
    print(f"oruk-validate: skipped: no ORUK 3.0 schemas at {profile}")
    sys.exit(0)


def schema(name):
    with open(os.path.join(profile, name)) as file:
        loaded = json.load(file)
    Draft202012Validator.check_schema(loaded)
    return Draft202012Validator(loaded, format_checker=Draft202012Validator.FORMAT_CHECKER)


service_list = schema("compiled/service_list.json")
service = schema("compiled/service.json")
sal_list = schema("compiled/service_at_location_list.json")
sal = schema("compiled/service_at_location.json")
taxonomy = schema("taxonomy.json")
taxonomy_term = schema("taxonomy_term.json")
with open(os.path.join(profile, "openapi.json")) as file:
    page_schema = json.load(file)["components"]["schemas"]["Page"]
page_schema = dict(page_schema, required=sorted(page_schema["properties"]))
page_validator = Draft202012Validator(page_schema)

# The validator must be able to fail: the profile's failing mock and a bad uuid are rejected.
failing = os.path.join(standards, "examples", "oruk", "oruk_mock_fail_service_full.json")
if os.path.exists(failing):
    with open(failing) as file:
        assert list(service.iter_errors(json.load(file))), "the ORUK failing mock passed validation"
assert list(service.iter_errors({"id": "not-a-uuid", "name": "x", "status": "active"})), "uuid format is not checked"

violations = []
counts = {}


def get(path):
    with urllib.request.urlopen(base + path) as response:
        if response.headers.get("Access-Control-Allow-Origin") not in (None, "*"):
            violations.append(f"{path}: unexpected Access-Control-Allow-Origin")
        return json.load(response)


def check(validator, document, where):
    for error in validator.iter_errors(document):
        location = "/".join(str(part) for part in error.absolute_path)
        violations.append(f"{where}: {location or '(root)'}: {error.message}")


def walk(collection, item_validator, detail_validator, per_page=2):
    number, ids = 1, []
    while True:
        page = get(f"/{collection}?page={number}&per_page={per_page}")
        check(page_validator, page, f"/{collection} page {number}")
        if "contents" not in page:
            violations.append(f"/{collection} page {number}: no contents")
            break
        for index, item in enumerate(page["contents"]):
            check(item_validator, item, f"/{collection} page {number} item {index}")
            ids.append(item["id"])
        if page.get("last_page", True) or number > 1000:
            break
        number += 1
    if len(ids) != len(set(ids)):
        violations.append(f"/{collection}: an id appears on two pages")
    for identifier in ids:
        check(detail_validator, get(f"/{collection}/{identifier}"), f"/{collection}/{identifier}")
    counts[collection] = len(ids)


about = get("/")
if about.get("version") != "3.0" or "openapi_url" not in about:
    violations.append(f"/: {about}")
walk("services", service_list, service)
walk("service_at_locations", sal_list, sal)
walk("taxonomies", taxonomy, taxonomy)
walk("taxonomy_terms", taxonomy_term, taxonomy_term, per_page=100)
if counts.get("services", 0) == 0:
    violations.append("/services is empty: nothing was validated")

for violation in violations:
    print(f"oruk-validate: {violation}", file=sys.stderr)
summary = ", ".join(f"{count} {name}" for name, count in counts.items())
if violations:
    print(f"oruk-validate: {len(violations)} violations ({summary})", file=sys.stderr)
    sys.exit(1)
print(f"oruk-validate: every item and page is valid ORUK 3.0 ({summary})")
