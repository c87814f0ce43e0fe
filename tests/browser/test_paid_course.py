"""Buying a course with a price in Chromium: sign up, buy it through Checkout with a
promotion code, land on lesson 1 with every lesson open; the coach refunds it in full from the
admin, and the course is no longer the learner's (the free preview still is)."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from course.models import CourseOrder, Enrolment
from tests.browser import test_coaching_path as coaching_path
from tests.browser.test_learner_path import PHONE, emailed_code, enter_code, path_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EMAIL = "buyer@example.com"

# The coaching path's fixtures: the demo site, the local Stripe delivering to the live server.
demo = coaching_path.demo
stripe_server = coaching_path.stripe_server
paying = coaching_path.paying
page = coaching_path.page


@pytest.mark.browser_context_args(viewport=PHONE)
def test_a_reader_buys_the_course_with_a_code_and_the_coach_refunds_it_from_the_admin(
    live_server,
    demo,
    paying,
    page,
    browser,
):
    course, lessons = demo["course"], demo["lessons"]
    course.price = Decimal("49.00")
    course.allow_promotion_codes = True
    course.save_revision().publish()
    paying.create_promotion_code("SPRING20", percent_off=20)
    start = f"/learn/{course.pk}/start/"

    page.goto(live_server.url + start)
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    expect(page.get_by_text("£49.00")).to_be_visible()
    page.get_by_label("Your email address").fill(EMAIL)
    page.get_by_role("button", name="Create your account to buy it").click()
    enter_code(page, emailed_code(EMAIL, "Your code to get started"))

    # Back on the start page, signed in: the price, not a free enrolment.
    expect(page).to_have_url(path_of(live_server, start))
    assert not Enrolment.objects.filter(user__email=EMAIL).exists()
    page.get_by_role("button", name="Buy the course, £49.00").click()

    expect(page).to_have_url(re.compile(re.escape(paying.url) + r"/pay/cs_test_\w+$"))
    page.get_by_label("Promotion code").fill("SPRING20")
    page.get_by_role("button", name="Pay £49.00").click()

    expect(page).to_have_url(path_of(live_server, lessons[0].url))
    expect(page.get_by_text(f"Payment received. Welcome to “{course.title}”!")).to_be_visible()
    page.goto(live_server.url + lessons[1].url)
    expect(page.get_by_text("This lesson is part of the full course")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark complete")).to_be_visible()

    order = CourseOrder.objects.get(user__email=EMAIL)
    assert (order.status, order.amount_minor) == (CourseOrder.Status.PAID, 3920)
    receipts = [m for m in mail.outbox if EMAIL in m.to and m.subject.startswith("Your receipt")]
    assert [m.subject for m in receipts] == [f"Your receipt: “{course.title}”, £39.20"]

    # The coach refunds it in full from the admin; Stripe's charge.refunded follows.
    context, admin = coaching_path.coach_signs_in(browser, live_server)
    admin.goto(live_server.url + "/admin/coaching/course-orders/")
    admin.get_by_role("link", name="Refund…").click()
    expect(admin.get_by_text(f"{EMAIL} paid £39.20 for “{course.title}”")).to_be_visible()
    expect(admin.get_by_label("Amount to refund")).to_have_value("39.20")
    # Stripe's event is delivered once the refund's request has answered: the live server's
    # SQLite (in memory, shared) fails at once where a file or PostgreSQL would wait for the
    # lock, and the PostgreSQL suite races the two on purpose.
    webhook, paying.webhook_url = paying.webhook_url, None
    admin.get_by_role("button", name="Refund").click()
    expect(admin.get_by_text("£39.20 refunded through Stripe.")).to_be_visible()
    refunded = paying.events[-1]
    assert refunded["type"] == "charge.refunded"
    paying.webhook_url = webhook
    assert paying.deliver(*paying.event_for(refunded["type"], refunded["data"]["object"])) == 200
    context.close()
    order.refresh_from_db()
    assert (order.status, order.amount_refunded_minor) == (CourseOrder.Status.REFUNDED, 3920)

    # The learner's next lesson view: no longer theirs; the free preview still open.
    page.goto(live_server.url + lessons[1].url)
    expect(page.get_by_text("This lesson is part of the full course")).to_be_visible()
    expect(page.get_by_role("link", name="Get the full course")).to_be_visible()
    page.goto(live_server.url + lessons[0].url)
    expect(page.get_by_text("This lesson is part of the full course")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text(lessons[0].title)
