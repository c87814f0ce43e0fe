"""Stripe's events at once: concurrent deliveries over real HTTP still book a person once.

PostgreSQL only: SQLite serialises writers, so it cannot show a race. The live server runs in
this process (its locmem mail lands in `mail.outbox`); each request gets its own connection.
"""

import json
import urllib.error
import urllib.request

import pytest
from django.test import Client

from coaching import services, tokens
from coaching.models import Payment, StripeEvent, WaitListEntry, WaitListEvent
from tests.concurrency import run_together
from tests.factories import WaitListEntryFactory

WEBHOOK = "/stripe/webhook/"
BOOKED_TEXT = "Payment received, you’re booked!"
ROUNDS = range(3)
TIMEOUT = 60

pytestmark = [
    pytest.mark.postgres,
    # live_server needs committed data; serialized rollback restores Wagtail's root page and
    # default site, which the flush after each transactional test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def http(method: str, url: str, *, data: bytes | None = None, headers=None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post_webhook(live_server, payload: str, header: str):
    return lambda: http(
        "POST",
        live_server.url + WEBHOOK,
        data=payload.encode(),
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
    )


def get_success_page(live_server, session_id: str):
    return lambda: http(
        "GET", f"{live_server.url}/waitlist/payment/success/?session_id={session_id}"
    )


def receipts(outbox) -> list:
    return [m for m in outbox if m.subject.startswith("Your receipt")]


def bookings(entry) -> int:
    return WaitListEvent.objects.filter(entry=entry, to_status=WaitListEntry.Status.BOOKED).count()


@pytest.fixture
def live_stripe(stripe_server, live_server):
    stripe_server.webhook_url = live_server.url + WEBHOOK
    return stripe_server


@pytest.fixture
def pending_payment(client, live_stripe, invited_entry, package, mailoutbox) -> Payment:
    token = tokens.make_token(invited_entry, tokens.INVITATION)
    response = client.post(f"/waitlist/invitation/{token}/checkout/", {"package": package.pk})
    assert response.status_code == 302
    mailoutbox.clear()  # the invitation email, sent when the entry was invited
    return Payment.objects.get(entry=invited_entry)


@pytest.mark.parametrize("round_", ROUNDS)
def test_twenty_concurrent_deliveries_of_one_event_book_the_person_once(
    round_, live_server, live_stripe, pending_payment, invited_entry, mailoutbox
):
    event = live_stripe.complete(pending_payment.stripe_session_id, deliver=False)

    responses = run_together([post_webhook(live_server, *event) for _ in range(20)])

    statuses = [status for status, _ in responses]
    assert all(200 <= status < 300 for status in statuses), statuses
    duplicates = sorted(json.loads(body)["duplicate"] for _, body in responses)
    assert duplicates == [False] + [True] * 19
    pending_payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert pending_payment.status == Payment.Status.PAID
    assert invited_entry.status == WaitListEntry.Status.BOOKED
    assert StripeEvent.objects.count() == 1
    assert bookings(invited_entry) == 1
    assert len(receipts(mailoutbox)) == 1
    assert len(mailoutbox) == 2  # the receipt and the coach's note


@pytest.mark.parametrize("round_", ROUNDS)
def test_webhooks_racing_success_pages_fulfil_the_payment_once(
    round_, live_server, live_stripe, pending_payment, invited_entry, mailoutbox
):
    session_id = pending_payment.stripe_session_id
    live_stripe.complete(session_id, deliver=False)
    session = live_stripe.session(session_id)
    # Ten distinct events (as from Stripe's retries after timeouts, or completed plus
    # async_payment_succeeded): the event table cannot settle these, the payment's lock must.
    events = [live_stripe.event_for("checkout.session.completed", session) for _ in range(10)]
    calls = []
    for event in events:
        calls += [post_webhook(live_server, *event), get_success_page(live_server, session_id)]

    responses = run_together(calls)

    statuses = [status for status, _ in responses]
    assert statuses == [200] * 20, statuses
    pages = [body for _, body in responses[1::2]]
    assert all(BOOKED_TEXT in page for page in pages)
    pending_payment.refresh_from_db()
    assert pending_payment.status == Payment.Status.PAID
    assert pending_payment.stripe_payment_intent_id == session["payment_intent"]
    assert StripeEvent.objects.count() == 10
    assert bookings(invited_entry) == 1
    assert len(receipts(mailoutbox)) == 1


def test_ten_concurrent_clicks_on_a_package_open_one_session(live_stripe, invited_entry, package):
    path = f"/waitlist/invitation/{tokens.make_token(invited_entry, tokens.INVITATION)}/checkout/"

    def click():
        return Client().post(path, {"package": package.pk})

    responses = run_together([click for _ in range(10)])

    assert {response.status_code for response in responses} == {302}
    assert len({response["Location"] for response in responses}) == 1
    assert len(live_stripe.sessions) == 1
    assert Payment.objects.count() == 1


def test_two_people_paying_at_once_are_each_booked_once(
    client, live_server, live_stripe, invited_entry, package, mailoutbox
):
    other = services.waitlist_invite(
        entry=WaitListEntryFactory(waiting=True, name="Kim Other", email="kim@example.com")
    )
    sessions = []
    for entry in (invited_entry, other):
        token = tokens.make_token(entry, tokens.INVITATION)
        client.post(f"/waitlist/invitation/{token}/checkout/", {"package": package.pk})
        sessions.append(Payment.objects.get(entry=entry).stripe_session_id)
    mailoutbox.clear()
    events = [live_stripe.complete(session_id, deliver=False) for session_id in sessions]

    responses = run_together([post_webhook(live_server, *event) for event in events * 5])

    assert {status for status, _ in responses} == {200}
    assert set(Payment.objects.values_list("status", flat=True)) == {Payment.Status.PAID}
    assert [bookings(entry) for entry in (invited_entry, other)] == [1, 1]
    assert sorted(m.to[0] for m in receipts(mailoutbox)) == ["kim@example.com", "robin@example.com"]
