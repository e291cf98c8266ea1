#!/usr/bin/env python3
"""The README's tour through a client generated from openapi.yaml (openapi-python-client).

Usage: scripts/client-tour.py CLIENT_DIR BASE_URL
  CLIENT_DIR  where `openapi-python-client generate` wrote the package (supportmarket_client)
  BASE_URL    a live server seeded with the demo market

Logs in as the demo budget holder, reads /v1/me, searches the catalogue, quotes and places an
order (twice with one Idempotency-Key: one order), and harvests the Open Referral services, all
through the generated, typed code; every answer must parse into its generated model.
"""
import datetime
import sys
import uuid

sys.path.insert(0, sys.argv[1])
base = sys.argv[2]

from supportmarket_client import AuthenticatedClient, Client  # noqa: E402
from supportmarket_client.api.default import (  # noqa: E402
    list_oruk_services, login, me, place_order, search_offerings, show_order)
from supportmarket_client.models import (  # noqa: E402
    LoginBody, Offering, OfferingPage, Order, OrderRequest, OrderRequestLinesItem, OrukServicePage,
    OrukServiceSummary, Principal, Token)


def expect(condition, what):
    if not condition:
        print(f"client-tour: FAILED: {what}", file=sys.stderr)
        sys.exit(1)


anonymous = Client(base_url=base, raise_on_unexpected_status=True)
token = login.sync(client=anonymous, body=LoginBody(email="holder@demo.test", password="supportmarket-demo"))
expect(isinstance(token, Token), f"login answered {token!r}")
client = AuthenticatedClient(base_url=base, token=token.token, raise_on_unexpected_status=True)

principal = me.sync(client=client)
expect(isinstance(principal, Principal) and principal.budget_holder_id, f"/v1/me answered {principal!r}")

found = search_offerings.sync(client=client, q="home care", limit=3)
expect(isinstance(found, OfferingPage) and found.items, f"search answered {found!r}")
expect(all(isinstance(item, Offering) for item in found.items), "search items are not typed as Offering")
offering = next(item for item in found.items if item.unit == "hour")

body = OrderRequest(
    budget_holder_id=principal.budget_holder_id, start_date=datetime.date.today(),
    lines=[OrderRequestLinesItem(offering_id=offering.id, quantity=1.5)])
key = f"tour-{uuid.uuid4()}"
placed = place_order.sync(client=client, body=body, idempotency_key=key)
expect(isinstance(placed, Order), f"placing answered {placed!r}")
replayed = place_order.sync(client=client, body=body, idempotency_key=key)
expect(isinstance(replayed, Order) and replayed.id == placed.id, "a retry with the same key placed a second order")
shown = show_order.sync(client=client, id=placed.id)
expect(isinstance(shown, Order) and shown.total_pence == placed.total_pence, f"the order reads back as {shown!r}")

services = list_oruk_services.sync(client=anonymous, per_page=10)
expect(isinstance(services, OrukServicePage) and services.contents, f"ORUK services answered {services!r}")
expect(all(isinstance(item, OrukServiceSummary) for item in services.contents), "ORUK items are not typed")

print(f"client-tour: logged in, searched ({len(found.items)} offerings), placed {placed.id} once for "
      f"{placed.total_pence}p, harvested {services.total_items} ORUK services, through the generated client")
