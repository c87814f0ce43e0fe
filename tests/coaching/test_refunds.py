"""Refunds from the admin: all or part of a course or a coaching package, through Stripe, never
twice, with Stripe's `charge.refunded` settling the state."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from coaching.models import Payment
from course.models import CourseOrder, Enrolment
from tests.coaching.test_course_payments import buy
from tests.coaching.test_payments import post_event, start_checkout
from tests.factories import UserFactory, sign_in_to_admin

TEASER = "This lesson is part of the full course"


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    def deliver(event):
        payload, header = event
        with django_capture_on_commit_callbacks(execute=True):
            response = post_event(Client(), payload, header)
        assert response.status_code == 200, response.content
        return json.loads(response.content)

    return deliver


@pytest.fixture
def bought(stripe_server, course, deliver) -> CourseOrder:
    """A learner who paid £49.00 for the course."""
    course.price = Decimal("49.00")
    course.save_revision().publish()
    client = Client()
    client.user = UserFactory(email="sam@example.com")
    client.force_login(client.user)
    order = buy(client, course)
    deliver(stripe_server.complete(order.stripe_session_id, deliver=False))
    order.refresh_from_db()
    order.client = client
    return order


def refund_path(order) -> str:
    return reverse("course_orders:refund", args=[order.pk])


def refund(admin_client, order, *, amount: str, seen: int = 0, reason="requested_by_customer"):
    return admin_client.post(
        refund_path(order),
        {"amount": amount, "reason": reason, "note": "Changed her mind", "seen_refunded": seen},
    )


def last_event(stripe_server):
    """The newest event on the Stripe server, signed, ready to deliver."""
    event = stripe_server.events[-1]
    return stripe_server.event_for(event["type"], event["data"]["object"])


def test_the_form_offers_what_is_left_to_refund(admin_client, bought):
    page = admin_client.get(refund_path(bought)).content.decode()

    assert "sam@example.com paid £49.00 for “" in page
    assert 'value="49.00"' in page
    assert "ends their access to the course" in page


def test_a_full_refund_from_the_admin_goes_through_stripe_and_ends_access(
    admin_client, stripe_server, bought, deliver, lessons
):
    response = refund(admin_client, bought, amount="49.00")

    assert response.status_code == 302
    [made] = stripe_server.refunds
    assert (made["amount"], made["reason"]) == (4900, "requested_by_customer")
    assert made["metadata"] == {"note": "Changed her mind"}
    assert made["payment_intent"] == bought.stripe_payment_intent_id
    deliver(last_event(stripe_server))  # Stripe's charge.refunded
    bought.refresh_from_db()
    assert (bought.status, bought.amount_refunded_minor) == (CourseOrder.Status.REFUNDED, 4900)
    assert not Enrolment.objects.exists()
    assert TEASER in bought.client.get(lessons[1].url).content.decode()


def test_a_partial_refund_keeps_the_course_and_leaves_the_rest_refundable(
    admin_client, stripe_server, bought, deliver
):
    refund(admin_client, bought, amount="10.00")
    deliver(last_event(stripe_server))

    bought.refresh_from_db()
    assert (bought.status, bought.amount_refunded_minor) == (CourseOrder.Status.PAID, 1000)
    assert Enrolment.objects.filter(user=bought.user).exists()
    page = admin_client.get(refund_path(bought)).content.decode()
    assert "of which £10.00 refunded already" in page and 'value="39.00"' in page


def test_pressing_refund_twice_refunds_once(admin_client, stripe_server, bought):
    first = refund(admin_client, bought, amount="10.00", seen=0)
    second = refund(admin_client, bought, amount="10.00", seen=0)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "A refund was made since this page was opened" in second.content.decode()
    assert [r["amount"] for r in stripe_server.refunds] == [1000]


def test_a_refund_made_in_stripe_first_stops_a_form_opened_before_it(
    admin_client, stripe_server, bought, deliver
):
    deliver(stripe_server.refund(bought.stripe_session_id, amount=2000, deliver=False))

    response = refund(admin_client, bought, amount="49.00", seen=0)

    assert "A refund was made since this page was opened" in response.content.decode()
    assert stripe_server.refunds == []
    bought.refresh_from_db()
    assert (bought.status, bought.amount_refunded_minor) == (CourseOrder.Status.PAID, 2000)


@pytest.mark.parametrize(
    ("amount", "message"),
    [("49.01", "Refund between £0.01 and £49.00."), ("0", "Ensure this value is greater")],
)
def test_more_than_was_paid_or_nothing_is_refused(
    admin_client, stripe_server, bought, amount, message
):
    response = refund(admin_client, bought, amount=amount)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert stripe_server.refunds == []


def test_only_those_allowed_to_refund_may(stripe_server, bought):
    editor = UserFactory(is_staff=True)
    client = sign_in_to_admin(Client(), editor)

    assert client.get(refund_path(bought)).status_code in {302, 403}
    assert client.post(refund_path(bought), {"amount": "49.00"}).status_code in {302, 403}
    assert stripe_server.refunds == []


def test_a_coaching_package_is_refunded_from_the_admin_too(
    admin_client, client, stripe_server, invited_entry, package, deliver
):
    payment = start_checkout(client, invited_entry, package)
    deliver(stripe_server.complete(payment.stripe_session_id, deliver=False))

    response = admin_client.post(
        reverse("coaching_payments:refund", args=[payment.pk]),
        {"amount": "450.00", "reason": "requested_by_customer", "seen_refunded": 0},
    )
    deliver(last_event(stripe_server))

    assert response.status_code == 302
    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert (payment.status, payment.amount_refunded_minor) == (Payment.Status.REFUNDED, 45000)
    assert invited_entry.status == "refunded"
    index = admin_client.get(reverse("coaching_payments:index")).content.decode()
    assert "Refund…" not in index  # nothing left to refund
