"""Finding 5 of issue 22: events signed with the real secret but of a shape we did not expect.

Stripe retries a webhook that answered 5xx for days, so a signed event that is malformed is
answered 400 (no usable envelope) or 200 (recorded, nothing to do), never 500; and a
signature whose timestamp is outside the tolerance is refused in either direction, as a
replay is.
"""

import json
import time

import pytest
from django.test import Client

from coaching.models import Payment, StripeEvent, WaitListEntry

WEBHOOK = "/stripe/webhook/"


def _event(type_, obj, **extra):
    return {"id": f"evt_shape_{time.monotonic_ns()}", "object": "event", "type": type_,
            "data": {"object": obj}, **extra}  # fmt: skip


MALFORMED = {
    "no data": {"id": "evt_no_data", "object": "event", "type": "checkout.session.completed"},
    "data without object": {
        "id": "evt_no_object",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {},
    },
    "object is a string": _event("checkout.session.completed", "cs_test_x"),
    "no type": {"id": "evt_no_type", "object": "event", "data": {"object": {"id": "cs_x"}}},
    "no id": {"object": "event", "type": "charge.refunded", "data": {"object": {"id": "ch"}}},
    "refund without amount_refunded": _event(
        "charge.refunded", {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount": 1}
    ),
    "refund with text amounts": _event(
        "charge.refunded",
        {
            "id": "ch_2",
            "object": "charge",
            "payment_intent": "pi_2",
            "amount": "a",
            "amount_refunded": "b",
        },  # fmt: skip
    ),
    "session without payment_status": _event(
        "checkout.session.completed", {"id": "cs_test_world_session", "object": "checkout.session"}
    ),
    "session without id": _event("checkout.session.expired", {"object": "checkout.session"}),
    "a list": [],
    "a number": 42,
}


@pytest.fixture
def hostile_client():
    # A 500 comes back as a response here, as it would to Stripe, instead of raising.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("name", MALFORMED)
def test_a_signed_event_of_an_unexpected_shape_is_answered_without_a_500(
    world, stripe_server, hostile_client, name
):
    payload = json.dumps(MALFORMED[name])
    response = hostile_client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        headers={"stripe-signature": stripe_server.sign(payload)},
    )

    assert response.status_code in (200, 400), response.content
    world.payment.refresh_from_db()
    assert world.payment.status == Payment.Status.PENDING
    assert WaitListEntry.objects.get(pk=world.invited.pk).status == WaitListEntry.Status.INVITED


@pytest.mark.parametrize("offset", [3600, 301, -301])
def test_a_signature_outside_the_tolerance_in_either_direction_is_refused(
    world, stripe_server, hostile_client, offset
):
    session = {"id": world.payment.stripe_session_id, "object": "checkout.session",
               "payment_status": "paid", "payment_intent": "pi_future"}  # fmt: skip
    payload = json.dumps(_event("checkout.session.completed", session))
    header = stripe_server.sign(payload, timestamp=int(time.time()) + offset)

    response = hostile_client.post(
        WEBHOOK, data=payload, content_type="application/json", headers={"stripe-signature": header}
    )

    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0
    world.payment.refresh_from_db()
    assert world.payment.status == Payment.Status.PENDING
