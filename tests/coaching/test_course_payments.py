"""Buying a course with a price: Checkout against the suite's own Stripe server, the webhook
and the success page letting the learner in once, and refunds ending access."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from coaching.models import StripeEvent
from course.models import CourseOrder, Enrolment
from tests.coaching.test_payments import post_event, start_checkout
from tests.factories import UserFactory
from tests.stripe_server import post_without_following

TEASER = "This lesson is part of the full course"


@pytest.fixture
def paid_course(course):
    course.price = Decimal("49.00")
    course.save_revision().publish()
    course.refresh_from_db()
    return course


@pytest.fixture
def learner_client(paid_course):
    client = Client()
    user = UserFactory(email="sam@example.com")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def deliver(learner_client, django_capture_on_commit_callbacks):
    def deliver(event, *, expect=200):
        payload, header = event
        with django_capture_on_commit_callbacks(execute=True):
            response = post_event(Client(), payload, header)
        assert response.status_code == expect, response.content
        return response

    return deliver


def buy(client, course) -> CourseOrder:
    response = client.post(reverse("coaching:course-checkout", args=[course.pk]))
    assert response.status_code == 302
    order = CourseOrder.objects.get(user=client.user, course=course)
    assert response["Location"] == order.checkout_url
    return order


def success_path(order) -> str:
    return reverse("coaching:course-payment-success") + f"?session_id={order.stripe_session_id}"


def receipts(mailoutbox):
    return [m for m in mailoutbox if m.subject.startswith("Your receipt")]


def test_buying_opens_a_checkout_for_the_course_at_its_price(
    stripe_server, learner_client, paid_course
):
    order = buy(learner_client, paid_course)

    session = stripe_server.session(order.stripe_session_id)
    assert (order.status, order.amount_minor, order.currency) == ("pending", 4900, "gbp")
    assert (session["amount_total"], session["currency"]) == (4900, "gbp")
    assert session["customer_email"] == "sam@example.com"
    assert session["cancel_url"].endswith(f"/learn/{paid_course.pk}/start/?cancelled=1")
    # A double click is the same Checkout.
    assert buy(learner_client, paid_course) == order


def test_paying_lets_the_learner_in_once_with_a_receipt(
    stripe_server, learner_client, paid_course, lessons, deliver, mailoutbox
):
    order = buy(learner_client, paid_course)
    event = stripe_server.complete(order.stripe_session_id, deliver=False)

    deliver(event)
    deliver(event)  # Stripe may send it twice

    order.refresh_from_db()
    assert order.status == CourseOrder.Status.PAID
    assert order.stripe_payment_intent_id.startswith("pi_")
    assert Enrolment.objects.filter(user=learner_client.user, course=paid_course).count() == 1
    [receipt] = receipts(mailoutbox)
    assert receipt.subject == f"Your receipt: “{paid_course.title}”, £49.00"
    assert "Amount paid: £49.00" in receipt.body and order.stripe_payment_intent_id in receipt.body
    assert any(m.subject.startswith("Welcome to") for m in mailoutbox)
    # Back from Stripe: on to lesson 1.
    response = learner_client.get(success_path(order), follow=True)
    assert response.redirect_chain[-1][0] == lessons[0].url
    assert f"Payment received. Welcome to “{paid_course.title}”!" in response.content.decode()


def test_the_success_page_confirms_a_payment_whose_webhook_has_not_come(
    stripe_server, learner_client, paid_course, lessons, django_capture_on_commit_callbacks
):
    order = buy(learner_client, paid_course)
    stripe_server.complete(order.stripe_session_id, deliver=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = learner_client.get(success_path(order))

    assert response.status_code == 302
    assert Enrolment.objects.filter(user=learner_client.user, course=paid_course).exists()
    assert TEASER not in learner_client.get(lessons[1].url).content.decode()


def test_until_it_is_paid_the_success_page_says_it_is_confirming(
    stripe_server, learner_client, paid_course
):
    order = buy(learner_client, paid_course)

    page = learner_client.get(success_path(order)).content.decode()

    assert "Confirming your payment" in page
    assert not Enrolment.objects.exists()


def test_nobody_else_can_open_a_learners_success_page(stripe_server, learner_client, paid_course):
    order = buy(learner_client, paid_course)
    stranger = Client()
    stranger.force_login(UserFactory())

    assert stranger.get(success_path(order)).status_code == 404
    assert learner_client.get(reverse("coaching:course-payment-success")).status_code == 404


def test_a_full_refund_ends_access_and_keeps_the_free_preview(
    stripe_server, learner_client, paid_course, lessons, deliver
):
    order = buy(learner_client, paid_course)
    deliver(stripe_server.complete(order.stripe_session_id, deliver=False))

    deliver(stripe_server.refund(order.stripe_session_id, amount=1000, deliver=False))
    assert Enrolment.objects.filter(user=learner_client.user).exists()  # partial: still theirs

    deliver(stripe_server.refund(order.stripe_session_id, deliver=False))

    order.refresh_from_db()
    assert order.status == CourseOrder.Status.REFUNDED
    assert not Enrolment.objects.filter(user=learner_client.user).exists()
    assert TEASER in learner_client.get(lessons[1].url).content.decode()
    assert TEASER not in learner_client.get(lessons[0].url).content.decode()


def test_a_refund_that_overtakes_the_completion_lets_nobody_in(
    stripe_server, learner_client, paid_course, deliver, mailoutbox
):
    order = buy(learner_client, paid_course)
    completed = stripe_server.complete(order.stripe_session_id, deliver=False)
    refunded = stripe_server.refund(order.stripe_session_id, deliver=False)

    deliver(refunded)
    deliver(completed)

    order.refresh_from_db()
    assert order.status == CourseOrder.Status.REFUNDED
    assert not Enrolment.objects.exists()
    assert receipts(mailoutbox) == []
    assert StripeEvent.objects.count() == 2


def test_an_expired_checkout_can_be_tried_again(
    stripe_server, learner_client, paid_course, deliver
):
    first = buy(learner_client, paid_course)
    deliver(stripe_server.expire(first.stripe_session_id, deliver=False))

    first.refresh_from_db()
    second = learner_client.post(reverse("coaching:course-checkout", args=[paid_course.pk]))

    assert first.status == CourseOrder.Status.EXPIRED
    assert second.status_code == 302
    assert CourseOrder.objects.filter(status="pending").exclude(pk=first.pk).count() == 1


def test_cancelling_at_stripe_comes_back_to_the_course_with_a_word(
    stripe_server, learner_client, paid_course
):
    response = learner_client.get(
        reverse("course:start", args=[paid_course.pk]), {"cancelled": "1"}
    )

    assert "No payment was taken. Buy the course whenever you’re ready." in (
        response.content.decode()
    )


@pytest.mark.parametrize("case", ["free course", "bought already", "payments not set up"])
def test_checkout_is_refused_with_a_reason(
    case, stripe_server, learner_client, paid_course, course, deliver, settings
):
    if case == "free course":
        course.price = Decimal("0.00")
        course.save_revision().publish()
        expected = "This course is free: start it from its page."
    elif case == "bought already":
        order = buy(learner_client, paid_course)
        deliver(stripe_server.complete(order.stripe_session_id, deliver=False))
        expected = "This course is yours already."
    else:
        settings.STRIPE_SECRET_KEY = ""
        expected = "Online payments are not set up yet. Please try again later."
    before = CourseOrder.objects.count()

    response = learner_client.post(
        reverse("coaching:course-checkout", args=[course.pk]), follow=True
    )

    assert expected in response.content.decode()
    assert CourseOrder.objects.count() == before


def test_buying_needs_an_account(stripe_server, paid_course):
    response = Client().post(reverse("coaching:course-checkout", args=[paid_course.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("course:start", args=[paid_course.pk])
    assert not CourseOrder.objects.exists()


def test_the_coach_sees_course_orders_in_the_admin_and_cannot_edit_them(
    stripe_server, learner_client, paid_course, deliver, admin_client
):
    order = buy(learner_client, paid_course)
    deliver(stripe_server.complete(order.stripe_session_id, deliver=False))

    index = admin_client.get("/admin/coaching/course-orders/", {"q": "sam@"})
    inspect = admin_client.get(f"/admin/coaching/course-orders/inspect/{order.pk}/")

    assert index.status_code == 200
    page = index.content.decode()
    assert "sam@example.com" in page and "£49.00" in page and "View in Stripe" in page
    assert inspect.status_code == 200
    assert admin_client.get(f"/admin/coaching/course-orders/edit/{order.pk}/").status_code in {
        302,
        403,
    }


# Promotion codes -----------------------------------------------------------------------------


def test_checkout_offers_promotion_codes_only_where_the_coach_allows_them(
    stripe_server, learner_client, paid_course
):
    closed = buy(learner_client, paid_course)
    paid_course.allow_promotion_codes = True
    paid_course.save_revision().publish()
    CourseOrder.objects.all().delete()

    opened = buy(learner_client, paid_course)

    assert stripe_server.session(closed.stripe_session_id)["allow_promotion_codes"] is False
    assert stripe_server.session(opened.stripe_session_id)["allow_promotion_codes"] is True
    assert opened.stripe_session_id != closed.stripe_session_id


@pytest.fixture
def codes_course(paid_course, stripe_server):
    paid_course.allow_promotion_codes = True
    paid_course.save_revision().publish()
    stripe_server.create_promotion_code("SPRING20", percent_off=20)
    stripe_server.create_promotion_code("FRIEND", percent_off=100)
    return paid_course


def test_a_promotion_code_lowers_what_is_paid_and_the_receipt_says_so(
    stripe_server, learner_client, codes_course, deliver, mailoutbox
):
    order = buy(learner_client, codes_course)

    deliver(
        stripe_server.complete(order.stripe_session_id, promotion_code="spring20", deliver=False)
    )

    order.refresh_from_db()
    assert (order.status, order.amount_minor) == (CourseOrder.Status.PAID, 3920)
    [receipt] = receipts(mailoutbox)
    assert receipt.subject == f"Your receipt: “{codes_course.title}”, £39.20"
    assert "Amount paid: £39.20\n" in receipt.body


def test_a_code_for_the_whole_price_lets_the_learner_in_with_no_payment_taken(
    stripe_server,
    learner_client,
    codes_course,
    lessons,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    order = buy(learner_client, codes_course)
    pay_url = f"{stripe_server.url}/pay/{order.stripe_session_id}"

    status, headers, _ = post_without_following(pay_url, b"promotion_code=FRIEND")
    with django_capture_on_commit_callbacks(execute=True):
        learner_client.get(success_path(order))

    assert status == 303 and headers["Location"] == "http://testserver" + success_path(order)
    session = stripe_server.session(order.stripe_session_id)
    assert (session["payment_status"], session["payment_intent"]) == ("no_payment_required", None)
    order.refresh_from_db()
    assert (order.status, order.amount_minor, order.stripe_payment_intent_id) == ("paid", 0, "")
    assert TEASER not in learner_client.get(lessons[1].url).content.decode()
    [receipt] = receipts(mailoutbox)
    assert "Amount paid: £0.00 (your promotion code covered it all)" in receipt.body
    assert "Reference" not in receipt.body


def test_an_unknown_code_is_refused_on_the_payment_page_and_nothing_is_paid(
    stripe_server, learner_client, codes_course
):
    order = buy(learner_client, codes_course)
    pay_url = f"{stripe_server.url}/pay/{order.stripe_session_id}"

    status, _, page = post_without_following(pay_url, b"promotion_code=NOPE")

    assert status == 400 and "This code is invalid." in page
    assert stripe_server.session(order.stripe_session_id)["status"] == "open"


def test_a_coaching_package_takes_a_promotion_code_too(
    stripe_server, client, invited_entry, package, deliver, mailoutbox
):
    package.allow_promotion_codes = True
    package.save()
    stripe_server.create_promotion_code("WELCOME50", amount_off=22500, currency="gbp")
    payment = start_checkout(client, invited_entry, package)

    deliver(
        stripe_server.complete(payment.stripe_session_id, promotion_code="WELCOME50", deliver=False)
    )

    payment.refresh_from_db()
    invited_entry.refresh_from_db()
    assert (payment.status, payment.amount_minor) == ("paid", 22500)
    assert invited_entry.status == "booked"
    assert any("Amount paid: £225.00" in m.body for m in mailoutbox)


def test_a_sold_course_cannot_be_deleted_only_unpublished(
    stripe_server, learner_client, paid_course, deliver, admin_client
):
    order = buy(learner_client, paid_course)
    deliver(stripe_server.complete(order.stripe_session_id, deliver=False))

    response = admin_client.post(f"/admin/pages/{paid_course.pk}/delete/", follow=True)

    assert "cannot be deleted: it has a course that was sold" in response.content.decode()
    paid_course.refresh_from_db()
    assert CourseOrder.objects.filter(pk=order.pk).exists()


def test_deleting_an_account_keeps_its_paid_orders_without_the_person(
    stripe_server, learner_client, paid_course, deliver
):
    from accounts.services import user_delete

    paid = buy(learner_client, paid_course)
    deliver(stripe_server.complete(paid.stripe_session_id, deliver=False))
    kept = user_delete(user=learner_client.user)

    paid.refresh_from_db()
    assert paid.user is None and paid.status == CourseOrder.Status.PAID
    assert [k.what for k in kept] == ["1 course order: the amount, the date and Stripe's reference"]


def test_a_refund_without_a_payment_intent_touches_nothing(
    stripe_server, client, invited_entry, package, deliver
):
    """A charge that was not a Checkout's (another product on the account) has no payment
    intent of ours, and a package a promotion code paid in full has none either."""
    package.allow_promotion_codes = True
    package.save()
    stripe_server.create_promotion_code("ALLFREE", percent_off=100)
    free = start_checkout(client, invited_entry, package)
    deliver(stripe_server.complete(free.stripe_session_id, promotion_code="ALLFREE", deliver=False))
    stranger = {
        "id": "ch_elsewhere",
        "object": "charge",
        "amount": 1000,
        "amount_refunded": 1000,
        "payment_intent": None,
    }

    deliver(stripe_server.event_for("charge.refunded", stranger))

    free.refresh_from_db()
    invited_entry.refresh_from_db()
    assert (free.status, free.stripe_payment_intent_id) == ("paid", "")
    assert invited_entry.status == "booked"
