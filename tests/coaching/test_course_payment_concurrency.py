"""A paid course's completion event delivered 20 times at once, over real HTTP: one enrolment
and one receipt. PostgreSQL only: SQLite serialises writers, so it cannot show a race."""

import json
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from coaching.models import StripeEvent
from course.models import CourseOrder, Enrolment
from tests.coaching.test_payment_concurrency import post_webhook
from tests.concurrency import run_together
from tests.factories import UserFactory, make_site_tree, sign_in_to_admin


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


NOT_FOLLOWING = urllib.request.build_opener(_NoRedirects)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def pending_order(stripe_server, live_server, mailoutbox) -> CourseOrder:
    stripe_server.webhook_url = live_server.url + "/stripe/webhook/"
    _, course, _, _ = make_site_tree(lessons=2)
    course.price = Decimal("49.00")
    course.save_revision().publish()
    client = Client()
    client.force_login(UserFactory())
    assert client.post(reverse("coaching:course-checkout", args=[course.pk])).status_code == 302
    return CourseOrder.objects.get()


@pytest.mark.parametrize("round_", range(3))
def test_twenty_concurrent_deliveries_enrol_the_learner_once_with_one_receipt(
    round_, live_server, stripe_server, pending_order, mailoutbox
):
    event = stripe_server.complete(pending_order.stripe_session_id, deliver=False)

    responses = run_together([post_webhook(live_server, *event) for _ in range(20)])

    assert [status for status, _ in responses] == [200] * 20
    duplicates = sorted(json.loads(body)["duplicate"] for _, body in responses)
    assert duplicates == [False] + [True] * 19
    pending_order.refresh_from_db()
    assert pending_order.status == CourseOrder.Status.PAID
    assert Enrolment.objects.count() == 1
    assert StripeEvent.objects.count() == 1
    assert len([m for m in mailoutbox if m.subject.startswith("Your receipt")]) == 1


def test_ten_distinct_completion_events_at_once_enrol_the_learner_once(
    live_server, stripe_server, pending_order, mailoutbox
):
    session_id = pending_order.stripe_session_id
    stripe_server.complete(session_id, deliver=False)
    session = stripe_server.session(session_id)
    events = [stripe_server.event_for("checkout.session.completed", session) for _ in range(10)]

    responses = run_together([post_webhook(live_server, *event) for event in events])

    assert [status for status, _ in responses] == [200] * 10
    assert StripeEvent.objects.count() == 10
    assert Enrolment.objects.count() == 1
    assert len([m for m in mailoutbox if m.subject.startswith("Your receipt")]) == 1


def test_a_refund_pressed_five_times_at_once_racing_its_webhook_refunds_once(
    live_server, stripe_server, pending_order, admin_user
):
    stripe_server.complete(pending_order.stripe_session_id)  # delivered to the live server
    stripe_server.wait_for_deliveries()
    pending_order.refresh_from_db()
    assert pending_order.status == CourseOrder.Status.PAID
    admin = sign_in_to_admin(Client(), admin_user)
    token = get_random_string(32)  # a CSRF secret: the same in the cookie and the form
    cookie = f"sessionid={admin.cookies['sessionid'].value}; csrftoken={token}"
    url = live_server.url + reverse("course_orders:refund", args=[pending_order.pk])
    form = f"amount=49.00&reason=requested_by_customer&seen_refunded=0&csrfmiddlewaretoken={token}"

    def press():
        request = urllib.request.Request(  # noqa: S310 - the live server on 127.0.0.1
            url,
            data=form.encode(),
            headers={"Cookie": cookie, "Referer": url, "Origin": live_server.url},
        )
        try:
            with NOT_FOLLOWING.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # the 302 of a refund made, among others
            return error.code, error.read().decode()

    answers = run_together([press for _ in range(5)])
    stripe_server.wait_for_deliveries()  # charge.refunded, sent to the live server

    # One press refunded and was sent on to the list; the others were shown why not.
    refused = [body for _, body in answers if "A refund was made since this page" in body]
    assert sorted(status for status, _ in answers) == [200, 200, 200, 200, 302]
    assert len(refused) == 4
    assert [refund["amount"] for refund in stripe_server.refunds] == [4900]
    pending_order.refresh_from_db()
    assert (pending_order.status, pending_order.amount_refunded_minor) == ("refunded", 4900)
    assert Enrolment.objects.count() == 0
