"""Paying for coaching: Checkout against the suite's own Stripe server, and Stripe's webhooks.

The app's Stripe client really talks HTTP to `tests/stripe_server.py`; events are signed by the
stripe library's own code and posted to the webhook view through Django's test client (one
test delivers them over real HTTP to the live server instead).
"""

import hashlib
import hmac
import json
import time
import urllib.request
from unittest import mock

import pytest
import stripe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from coachhouse import stripe_client
from coaching import tokens
from coaching.models import Payment, StripeEvent, WaitListEntry, WaitListEvent
from tests.factories import sign_in_to_admin
from tests.stripe_server import API_VERSION, post_without_following

Status = WaitListEntry.Status
WEBHOOK = "/stripe/webhook/"
BOOKED_TEXT = "Payment received, you’re booked!"
CONFIRMING_TEXT = "Confirming your payment"


# Helpers -----------------------------------------------------------------------------------


def invitation_path(entry) -> str:
    return reverse("coaching:invitation", args=[tokens.make_token(entry, tokens.INVITATION)])


def checkout_path(entry) -> str:
    return reverse("coaching:checkout", args=[tokens.make_token(entry, tokens.INVITATION)])


def success_path(session_id: str) -> str:
    return reverse("coaching:payment-success") + f"?session_id={session_id}"


def start_checkout(client, entry, package) -> Payment:
    response = client.post(checkout_path(entry), {"package": package.pk})
    assert response.status_code == 302
    payment = Payment.objects.get(entry=entry, status=Payment.Status.PENDING)
    assert response["Location"] == payment.checkout_url
    return payment


def post_event(client, payload, header=None):
    headers = {"stripe-signature": header} if header is not None else {}
    return client.post(WEBHOOK, data=payload, content_type="application/json", headers=headers)


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Post a signed event to the webhook view and run what it left for the commit (emails)."""

    def deliver(event, *, expect=200):
        payload, header = event
        with django_capture_on_commit_callbacks(execute=True):
            response = post_event(client, payload, header)
        assert response.status_code == expect, response.content
        return response

    return deliver


@pytest.fixture
def payment(client, stripe_server, invited_entry, package) -> Payment:
    """A pending Checkout for the invited person, its session open on the Stripe server."""
    return start_checkout(client, invited_entry, package)


def receipts(mailoutbox):
    return [m for m in mailoutbox if m.subject.startswith("Your receipt")]


def coach_notes(mailoutbox):
    return [m for m in mailoutbox if m.to == [settings.COACH_EMAIL]]


def bookings(entry) -> int:
    return WaitListEvent.objects.filter(entry=entry, to_status=Status.BOOKED).count()


def state(entry) -> tuple:
    """Everything a webhook may change, for "nothing changed" assertions."""
    entry.refresh_from_db()
    return (
        entry.status,
        list(Payment.objects.values_list("pk", "status", "stripe_payment_intent_id", "paid_at")),
        list(StripeEvent.objects.values_list("event_id", flat=True)),
        list(WaitListEvent.objects.filter(entry=entry).values_list("pk", flat=True)),
    )


def is_cancel_url_of(url: str, entry) -> bool:
    """The invitation page (its signed token names `entry`) with `?cancelled=1`."""
    prefix, suffix = "http://testserver/waitlist/invitation/", "/?cancelled=1"
    if not (url.startswith(prefix) and url.endswith(suffix)):
        return False
    token = url.removeprefix(prefix).removesuffix(suffix)
    return tokens.entry_from_token(token, tokens.INVITATION) == entry


def sign_by_hand(payload: str, secret: str, timestamp: int) -> str:
    """A `Stripe-Signature` built without the stripe library: t=<ts>,v1=<HMAC-SHA256>."""
    signed = f"{timestamp}.{payload}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# The thin client against the local server ------------------------------------------------


def test_the_client_creates_retrieves_and_expires_a_session_over_http(stripe_server):
    session = stripe_client.checkout_session_create(
        email="robin@example.com",
        product_name="Three-session sprint",
        description="3 coaching sessions",
        amount_minor=45000,
        currency="gbp",
        client_reference_id="waitlist-entry-7",
        metadata={"waitlist_entry": "7", "package": "2"},
        success_url="http://testserver/done/?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://testserver/invitation/?cancelled=1",
        idempotency_key="key-1",
    )

    assert isinstance(session, stripe.checkout.Session)
    assert session.id.startswith("cs_test_")
    assert (session.object, session.status, session.payment_status) == (
        "checkout.session",
        "open",
        "unpaid",
    )
    assert session.url == f"{stripe_server.url}/pay/{session.id}"
    assert (session.amount_total, session.currency, session.mode) == (45000, "gbp", "payment")
    assert session.customer_email == "robin@example.com"
    assert session.client_reference_id == "waitlist-entry-7"
    assert session.metadata.to_dict() == {"waitlist_entry": "7", "package": "2"}
    assert session.payment_intent is None
    assert session.livemode is False
    # What went over the wire: the library's own encoding and headers.
    create = stripe_server.requests[0]
    assert (create.method, create.path) == ("POST", "/v1/checkout/sessions")
    assert create.headers["authorization"] == "Bearer sk_test_local"
    assert create.headers["stripe-version"] == API_VERSION
    assert create.headers["idempotency-key"] == "key-1"
    item = create.params["line_items"][0]
    assert item["price_data"]["unit_amount"] == "45000"
    assert item["price_data"]["product_data"]["name"] == "Three-session sprint"
    assert create.params["payment_intent_data"]["metadata"] == {
        "waitlist_entry": "7",
        "package": "2",
    }

    retrieved = stripe_client.checkout_session_retrieve(session.id)
    assert (retrieved.id, retrieved.status) == (session.id, "open")
    assert stripe_server.requests[1].method == "GET"

    expired = stripe_client.checkout_session_expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert stripe_client.checkout_session_retrieve(session.id).status == "expired"
    assert [e["type"] for e in stripe_server.events] == ["checkout.session.expired"]

    with pytest.raises(stripe.InvalidRequestError, match="status of `open`") as not_open:
        stripe_client.checkout_session_expire(session.id)
    assert not_open.value.http_status == 400
    with pytest.raises(stripe.InvalidRequestError, match="No such checkout.session") as missing:
        stripe_client.checkout_session_retrieve("cs_test_nope")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"


def test_the_server_answers_bad_requests_as_stripe_does(stripe_server, settings):
    params = {
        "email": "robin@example.com",
        "product_name": "Sprint",
        "description": "",
        "amount_minor": 45000,
        "currency": "gbp",
        "client_reference_id": "x",
        "metadata": {},
        "success_url": "http://testserver/ok/",
        "cancel_url": "http://testserver/no/",
    }
    first = stripe_client.checkout_session_create(**params, idempotency_key="same")
    again = stripe_client.checkout_session_create(**params, idempotency_key="same")
    assert again.id == first.id
    assert len(stripe_server.sessions) == 1

    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        stripe_client.checkout_session_create(
            **{**params, "amount_minor": 50000}, idempotency_key="same"
        )
    with pytest.raises(stripe.InvalidRequestError, match="Invalid integer") as negative:
        stripe_client.checkout_session_create(
            **{**params, "amount_minor": -1}, idempotency_key="other"
        )
    assert negative.value.http_status == 400
    assert negative.value.param == "line_items[0][price_data][unit_amount]"

    settings.STRIPE_SECRET_KEY = "sk_test_wrong"
    with pytest.raises(stripe.AuthenticationError):
        stripe_client.checkout_session_retrieve(first.id)


# Checkout ----------------------------------------------------------------------------------


def test_choosing_a_package_opens_the_payment_page_and_records_a_pending_payment(
    client, stripe_server, invited_entry, package
):
    response = client.post(checkout_path(invited_entry), {"package": package.pk})

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{stripe_server.url}/pay/{payment.stripe_session_id}"
    assert payment.status == Payment.Status.PENDING
    assert (payment.entry, payment.package) == (invited_entry, package)
    assert (payment.amount_minor, payment.currency) == (45000, "gbp")
    session = stripe_server.session(payment.stripe_session_id)
    assert session["amount_total"] == 45000
    assert session["customer_email"] == "robin@example.com"
    assert session["client_reference_id"] == f"waitlist-entry-{invited_entry.pk}"
    assert session["metadata"] == {
        "waitlist_entry": str(invited_entry.pk),
        "package": str(package.pk),
    }
    assert session["success_url"] == (
        "http://testserver/waitlist/payment/success/?session_id={CHECKOUT_SESSION_ID}"
    )
    assert is_cancel_url_of(session["cancel_url"], invited_entry)


def test_a_double_click_reuses_the_same_session(client, stripe_server, invited_entry, package):
    first = client.post(checkout_path(invited_entry), {"package": package.pk})
    second = client.post(checkout_path(invited_entry), {"package": package.pk})

    assert first["Location"] == second["Location"]
    assert Payment.objects.count() == 1
    assert len(stripe_server.sessions) == 1
    creates = [r for r in stripe_server.requests if r.path == "/v1/checkout/sessions"]
    assert len(creates) == 2
    assert creates[0].headers["idempotency-key"] == creates[1].headers["idempotency-key"]


def test_a_retry_from_a_link_made_later_reuses_the_same_session(
    client, stripe_server, invited_entry, package
):
    """The status page makes the invitation link afresh; Stripe must see the same request."""
    first = client.post(checkout_path(invited_entry), {"package": package.pk})
    an_hour_later = time.time() + 3600
    with mock.patch("django.core.signing.time.time", return_value=an_hour_later):
        second = client.post(checkout_path(invited_entry), {"package": package.pk})

    assert second["Location"] == first["Location"]
    assert Payment.objects.count() == 1


def test_an_unknown_or_inactive_package_is_refused_without_calling_stripe(
    client, stripe_server, invited_entry, package
):
    package.active = False
    package.save()

    for choice in (package.pk, "999999", "x", ""):
        response = client.post(checkout_path(invited_entry), {"package": choice}, follow=True)
        assert response.status_code == 200
        assert "Please choose one of the packages below." in response.content.decode()
    assert Payment.objects.count() == 0
    assert stripe_server.requests == []


def test_when_stripe_cannot_be_reached_the_person_is_told_to_try_again(
    client, stripe_server, invited_entry, package
):
    stripe_server.stop()

    response = client.post(checkout_path(invited_entry), {"package": package.pk}, follow=True)

    assert response.status_code == 200
    assert "The payment page could not be opened just now." in response.content.decode()
    assert Payment.objects.count() == 0


def test_after_the_coach_edits_the_package_the_person_can_still_check_out(
    client, stripe_server, payment, invited_entry, package
):
    package.price_minor = 50000
    package.save()

    response = client.post(checkout_path(invited_entry), {"package": package.pk})

    assert response.status_code == 302
    assert response["Location"].startswith(f"{stripe_server.url}/pay/")


def test_after_an_expired_session_choosing_again_opens_a_new_one(
    client, stripe_server, payment, deliver, invited_entry, package
):
    deliver(stripe_server.expire(payment.stripe_session_id, deliver=False))

    again = start_checkout(client, invited_entry, package)

    assert again.stripe_session_id != payment.stripe_session_id
    assert len(stripe_server.sessions) == 2


# The test payment page ---------------------------------------------------------------------


def test_the_payment_page_shows_the_amount_a_pay_button_and_a_cancel_link(
    stripe_server, payment, invited_entry
):
    with urllib.request.urlopen(payment.checkout_url, timeout=10) as response:  # noqa: S310
        page = response.read().decode()

    assert response.status == 200
    assert '<html lang="en">' in page
    assert "£450.00" in page
    assert '<button type="submit">Pay £450.00</button>' in page
    cancel = stripe_server.session(payment.stripe_session_id)["cancel_url"]
    assert is_cancel_url_of(cancel, invited_entry)
    assert f'<a href="{cancel}">Cancel</a>' in page


def test_paying_on_the_page_redirects_to_the_success_page_which_confirms_it_itself(
    client, stripe_server, payment, invited_entry, mailoutbox, django_capture_on_commit_callbacks
):
    """No webhook arrives (none is configured): the success page asks Stripe and books."""
    status, headers, _ = post_without_following(payment.checkout_url)

    session_id = payment.stripe_session_id
    assert status == 303
    assert headers["Location"] == f"http://testserver{success_path(session_id)}"
    session = stripe_server.session(session_id)
    assert (session["status"], session["payment_status"]) == ("complete", "paid")
    assert session["payment_intent"].startswith("pi_")
    assert [e["type"] for e in stripe_server.events] == ["checkout.session.completed"]
    assert stripe_server.deliveries == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(headers["Location"].removeprefix("http://testserver"))

    assert BOOKED_TEXT in response.content.decode()
    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.stripe_payment_intent_id == session["payment_intent"]
    assert invited_entry.status == Status.BOOKED
    assert len(receipts(mailoutbox)) == 1
    assert stripe_server.requests[-1].path == f"/v1/checkout/sessions/{session_id}"
    # Paying twice is not possible: the page is closed.
    assert post_without_following(payment.checkout_url)[0] == 409


# Webhooks: what each event does ------------------------------------------------------------


def test_a_paid_checkout_books_the_person_and_sends_a_receipt_and_a_note_to_the_coach(
    client, stripe_server, payment, invited_entry, deliver, mailoutbox
):
    response = deliver(stripe_server.complete(payment.stripe_session_id, deliver=False))

    assert response.json() == {"received": True, "duplicate": False}
    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    session = stripe_server.session(payment.stripe_session_id)
    assert payment.status == Payment.Status.PAID
    assert payment.stripe_payment_intent_id == session["payment_intent"]
    assert payment.paid_at is not None
    assert invited_entry.status == Status.BOOKED
    assert bookings(invited_entry) == 1
    (receipt,) = receipts(mailoutbox)
    (note,) = coach_notes(mailoutbox)
    assert len(mailoutbox) == 2
    assert receipt.to == ["robin@example.com"]
    assert receipt.subject == "Your receipt: Three-session sprint, £450.00"
    assert session["payment_intent"] in receipt.body
    assert note.subject == "New booking: Robin Payer, Three-session sprint"
    event = StripeEvent.objects.get()
    assert (event.type, event.object_id, event.payment_intent_id) == (
        "checkout.session.completed",
        payment.stripe_session_id,
        session["payment_intent"],
    )
    page = client.get(success_path(payment.stripe_session_id))
    assert BOOKED_TEXT in page.content.decode()
    assert "A receipt is on its way to your email address" in page.content.decode()


def test_the_success_page_says_confirming_while_the_payment_is_pending(
    client, stripe_server, payment
):
    response = client.get(success_path(payment.stripe_session_id))

    page = response.content.decode()
    assert response.status_code == 200
    assert CONFIRMING_TEXT in page
    assert BOOKED_TEXT not in page
    assert '<meta http-equiv="refresh" content="5">' in page
    assert response["Cache-Control"].startswith("max-age=0")
    # It asked Stripe, which said the session is still open.
    assert stripe_server.requests[-1].method == "GET"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_the_success_page_of_an_unknown_session_is_not_found(client, stripe_server, db):
    assert client.get(success_path("cs_test_unknown")).status_code == 404
    assert client.get(reverse("coaching:payment-success")).status_code == 404


def test_the_same_event_delivered_twice_books_once_and_sends_one_receipt(
    stripe_server, payment, invited_entry, deliver, mailoutbox
):
    event = stripe_server.complete(payment.stripe_session_id, deliver=False)

    first = deliver(event)
    second = deliver(event)

    assert first.json()["duplicate"] is False
    assert second.json() == {"received": True, "duplicate": True}
    assert StripeEvent.objects.count() == 1
    assert bookings(invited_entry) == 1
    assert len(receipts(mailoutbox)) == 1
    assert len(coach_notes(mailoutbox)) == 1


def test_completed_and_async_succeeded_events_for_one_session_fulfil_it_once(
    stripe_server, payment, invited_entry, deliver, mailoutbox
):
    completed = stripe_server.complete(payment.stripe_session_id, deliver=False)
    session = stripe_server.session(payment.stripe_session_id)
    succeeded = stripe_server.event_for("checkout.session.async_payment_succeeded", session)

    deliver(completed)
    deliver(succeeded)

    assert StripeEvent.objects.count() == 2
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert bookings(invited_entry) == 1
    assert len(receipts(mailoutbox)) == 1


def test_a_delayed_payment_books_only_when_it_succeeds(
    stripe_server, payment, invited_entry, deliver, mailoutbox
):
    deliver(stripe_server.complete(payment.stripe_session_id, deliver=False, async_payment=True))

    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert invited_entry.status == Status.INVITED
    assert mailoutbox == []

    deliver(stripe_server.async_payment_succeeded(payment.stripe_session_id, deliver=False))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert bookings(invited_entry) == 1
    assert len(receipts(mailoutbox)) == 1


def test_a_delayed_payment_that_fails_marks_the_payment_failed(
    client, stripe_server, payment, invited_entry, deliver, mailoutbox
):
    deliver(stripe_server.complete(payment.stripe_session_id, deliver=False, async_payment=True))
    deliver(stripe_server.async_payment_failed(payment.stripe_session_id, deliver=False))

    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert invited_entry.status == Status.INVITED
    assert mailoutbox == []
    page = client.get(success_path(payment.stripe_session_id)).content.decode()
    assert "The payment didn’t go through" in page


def test_an_expired_session_marks_the_payment_expired(
    client, stripe_server, payment, invited_entry, deliver, mailoutbox
):
    deliver(stripe_server.expire(payment.stripe_session_id, deliver=False))

    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    assert invited_entry.status == Status.INVITED
    assert mailoutbox == []
    page = client.get(success_path(payment.stripe_session_id)).content.decode()
    assert "The payment didn’t go through" in page


def test_a_full_refund_after_payment_refunds_the_payment_and_the_booking(
    client, stripe_server, payment, invited_entry, deliver, mailoutbox
):
    deliver(stripe_server.complete(payment.stripe_session_id, deliver=False))
    refund = stripe_server.refund(payment.stripe_session_id, deliver=False)
    charge = json.loads(refund[0])["data"]["object"]
    assert (charge["object"], charge["refunded"], charge["amount_refunded"]) == (
        "charge",
        True,
        45000,
    )

    deliver(refund)

    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunded_at is not None
    assert invited_entry.status == Status.REFUNDED
    assert len(receipts(mailoutbox)) == 1  # the one from the payment; none for the refund
    page = client.get(success_path(payment.stripe_session_id)).content.decode()
    assert "This payment was refunded" in page


def test_a_partial_refund_leaves_the_booking_to_the_coach_until_it_is_full(
    stripe_server, payment, invited_entry, deliver
):
    deliver(stripe_server.complete(payment.stripe_session_id, deliver=False))

    deliver(stripe_server.refund(payment.stripe_session_id, amount=15000, deliver=False))
    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert (payment.status, invited_entry.status) == (Payment.Status.PAID, Status.BOOKED)

    deliver(stripe_server.refund(payment.stripe_session_id, deliver=False))
    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert (payment.status, invited_entry.status) == (Payment.Status.REFUNDED, Status.REFUNDED)


def test_a_refund_that_overtakes_the_completion_books_nobody_and_sends_no_receipt(
    stripe_server, payment, invited_entry, deliver, mailoutbox
):
    completed = stripe_server.complete(payment.stripe_session_id, deliver=False)
    refunded = stripe_server.refund(payment.stripe_session_id, deliver=False)

    deliver(refunded)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    deliver(completed)

    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert (
        payment.stripe_payment_intent_id
        == json.loads(completed[0])["data"]["object"]["payment_intent"]
    )
    assert invited_entry.status == Status.INVITED
    assert bookings(invited_entry) == 0
    assert mailoutbox == []


def test_a_partial_refund_that_overtakes_the_completion_still_books_the_person(
    stripe_server, payment, invited_entry, deliver, mailoutbox
):
    completed = stripe_server.complete(payment.stripe_session_id, deliver=False)
    partial = stripe_server.refund(payment.stripe_session_id, amount=15000, deliver=False)

    deliver(partial)
    deliver(completed)

    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert invited_entry.status == Status.BOOKED
    assert len(receipts(mailoutbox)) == 1


def test_an_event_for_a_session_that_is_not_ours_is_acknowledged_and_ignored(
    stripe_server, payment, invited_entry, deliver
):
    stranger = {**stripe_server.session(payment.stripe_session_id), "id": "cs_test_stranger"}
    stranger.update(status="complete", payment_status="paid", payment_intent="pi_stranger")
    before = state(invited_entry)

    deliver(stripe_server.event_for("checkout.session.completed", stranger))

    entry_status, payments_rows, _, entry_events = state(invited_entry)
    assert (entry_status, payments_rows, entry_events) == (before[0], before[1], before[3])
    assert StripeEvent.objects.count() == 1


# Webhooks: what is refused -----------------------------------------------------------------


def _forged(server, session):
    return server.event_for("checkout.session.completed", session, secret="whsec_forged")


def _tampered(server, session):
    payload, header = server.event_for("checkout.session.completed", session)
    return payload.replace('"livemode": false', '"livemode": true', 1), header


def _stale(server, session):
    payload, _ = server.event_for("checkout.session.completed", session)
    return payload, sign_by_hand(payload, server.webhook_secret, int(time.time()) - 301)


def _oversized(server, session):
    padded = {**session, "metadata": {**session["metadata"], "padding": "x" * (256 * 1024)}}
    return server.event_for("checkout.session.completed", padded)


def _missing_signature(server, session):
    return server.event_for("checkout.session.completed", session)[0], None


def _empty_signature(server, session):
    return server.event_for("checkout.session.completed", session)[0], ""


def _garbled_header(server, session):
    return server.event_for("checkout.session.completed", session)[0], "t=soon,v1=abc"


def _signed_but_not_json(server, session):
    return "not json", server.sign("not json")


@pytest.mark.parametrize(
    "make",
    [
        _missing_signature,
        _empty_signature,
        _garbled_header,
        _forged,
        _tampered,
        _stale,
        _oversized,
        _signed_but_not_json,
    ],
)
def test_a_webhook_that_is_not_genuinely_from_stripe_is_refused_and_changes_nothing(
    client, stripe_server, payment, invited_entry, deliver, mailoutbox, make
):
    stripe_server.complete(payment.stripe_session_id, deliver=False)
    session = stripe_server.session(payment.stripe_session_id)
    before = state(invited_entry)

    payload, header = make(stripe_server, session)
    response = post_event(client, payload, header)

    assert response.status_code == 400
    assert state(invited_entry) == before
    assert StripeEvent.objects.count() == 0
    assert mailoutbox == []
    # The genuine event is still taken afterwards.
    deliver(stripe_server.event_for("checkout.session.completed", session))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_an_event_just_inside_the_five_minute_tolerance_is_accepted(
    stripe_server, payment, deliver
):
    stripe_server.complete(payment.stripe_session_id, deliver=False)
    payload, _ = stripe_server.event_for(
        "checkout.session.completed", stripe_server.session(payment.stripe_session_id)
    )

    deliver((payload, sign_by_hand(payload, "whsec_local", int(time.time()) - 240)))

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_the_webhook_only_accepts_post(client, stripe_server):
    assert client.get(WEBHOOK).status_code == 405
    assert client.put(WEBHOOK).status_code == 405


def test_the_webhook_needs_no_csrf_token_but_checkout_does(stripe_server, payment, package):
    strict = Client(enforce_csrf_checks=True)
    stripe_server.complete(payment.stripe_session_id, deliver=False)
    payload, header = stripe_server.event_for(
        "checkout.session.completed", stripe_server.session(payment.stripe_session_id)
    )

    assert post_event(strict, payload, header).status_code == 200
    assert strict.post(checkout_path(payment.entry), {"package": package.pk}).status_code == 403


# Only the Wagtail admin API's views (Django REST framework viewsets: DRF exempts the view from
# Django's CSRF middleware and enforces CSRF itself for session-authenticated unsafe requests)
# are CSRF-exempt besides the webhook and the unsubscribe link. allauth has none.
KNOWN_CSRF_EXEMPT = {
    "coaching.views.stripe_webhook",
    # RFC 8058 one-click unsubscribe: mail providers POST to the List-Unsubscribe link
    # without cookies or a CSRF token; the signed token in the URL authorises the request.
    "accounts.views.unsubscribe",
    "wagtail.admin.api.views.PagesAdminAPIViewSet",
    "wagtail.documents.api.admin.views.DocumentsAdminAPIViewSet",
    "wagtail.images.api.admin.views.ImagesAdminAPIViewSet",
}


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        else:
            yield pattern.callback


def test_the_webhook_and_unsubscribe_are_the_only_csrf_exempt_views_of_ours():
    exempt = {
        f"{view.__module__}.{view.__qualname__}"
        for view in _views(get_resolver().url_patterns)
        if getattr(view, "csrf_exempt", False)
    }

    assert exempt == KNOWN_CSRF_EXEMPT
    ours = {name for name in exempt if not name.startswith("wagtail.")}
    assert ours == {"coaching.views.stripe_webhook", "accounts.views.unsubscribe"}


# Without Stripe keys -----------------------------------------------------------------------


def test_without_stripe_keys_the_invitation_says_payments_are_not_set_up(
    client, no_stripe_keys, invited_entry, package
):
    page = client.get(invitation_path(invited_entry)).content.decode()

    assert "Online payment isn’t set up yet" in page
    assert checkout_path(invited_entry) not in page

    response = client.post(checkout_path(invited_entry), {"package": package.pk}, follow=True)
    assert "Online payments are not set up yet." in response.content.decode()
    assert Payment.objects.count() == 0


def test_without_stripe_keys_the_webhook_refuses_everything(client, no_stripe_keys, db):
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "checkout.session.completed"})
    header = stripe.WebhookSignature.generate_signature_header(payload, "whsec_local")

    assert post_event(client, payload, header).status_code == 400
    assert StripeEvent.objects.count() == 0


def test_without_stripe_keys_the_coach_can_mark_the_person_booked_in_the_admin(
    client, no_stripe_keys, invited_entry
):
    coach = get_user_model().objects.create_superuser(email="coach@example.com", password="pw")
    sign_in_to_admin(client, coach)

    response = client.post(
        f"/admin/coaching/wait-list/status/{invited_entry.pk}/", {"to": Status.BOOKED}
    )

    assert response.status_code == 302
    invited_entry.refresh_from_db()
    assert invited_entry.status == Status.BOOKED
    booked = WaitListEvent.objects.get(entry=invited_entry, to_status=Status.BOOKED)
    assert booked.actor == coach
    page = client.get(invitation_path(invited_entry)).content.decode()
    assert "You’re booked." in page


# Over real HTTP, end to end ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_paying_on_the_page_sends_a_signed_webhook_over_http_to_the_live_site(
    live_server, stripe_server, invited_entry, package, mailoutbox
):
    """The browser's path without a browser: checkout, Pay, webhook, success page."""
    stripe_server.webhook_url = live_server.url + WEBHOOK
    client = Client(SERVER_NAME="127.0.0.1")
    payment = start_checkout(client, invited_entry, package)
    mailoutbox.clear()  # the invitation email, sent on commit

    status, headers, _ = post_without_following(payment.checkout_url)

    assert status == 303
    (delivery,) = stripe_server.deliveries
    assert (delivery.event_type, delivery.status) == ("checkout.session.completed", 200)
    assert json.loads(delivery.body) == {"received": True, "duplicate": False}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert len(receipts(mailoutbox)) == 1
    assert len(coach_notes(mailoutbox)) == 1
    success = headers["Location"]
    assert success.startswith("http://127.0.0.1/waitlist/payment/success/?session_id=cs_test_")
    live_success = live_server.url + success.removeprefix("http://127.0.0.1")
    with urllib.request.urlopen(live_success, timeout=10) as response:  # noqa: S310
        assert BOOKED_TEXT in response.read().decode()
    # The webhook's work was done once: the success page had nothing left to fulfil.
    assert StripeEvent.objects.count() == 1
    assert bookings(invited_entry) == 1
