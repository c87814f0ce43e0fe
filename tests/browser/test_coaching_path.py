"""The coaching path in Chromium: wait list, double opt-in, invitation, Stripe Checkout, booked."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from coachhouse.demo.loader import EDITOR_EMAIL, load_demo
from coaching import services
from coaching.models import CoachingPackage, Payment, WaitListEntry
from course import services as course_services
from course.models import CoursePage, Enrolment
from tests.browser.conftest import admin_sign_in
from tests.browser.test_learner_path import DESKTOP, PHONE, TIMEOUT_MS, emailed_code, enter_code
from tests.coaching import conftest as coaching_fixtures
from tests.factories import WaitListEntryFactory

# Playwright's sync API runs an event loop in this thread; the test's own database calls would
# otherwise raise SynchronousOnlyOperation.

pytestmark = [
    pytest.mark.browser,
    # live_server needs committed data; serialized rollback restores Wagtail's root page and
    # default site, which the flush after each transactional test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The local Stripe of tests/coaching/conftest.py, with the app's settings pointed at it.
stripe_server = coaching_fixtures.stripe_server

EDITOR_PASSWORD = "coach-test-password"  # noqa: S105 (a test-only password)
PACKAGE_NAME = "Job search sprint"
Status = WaitListEntry.Status


@pytest.fixture
def demo(settings, tmp_path):
    """The demo site, with a known password for the coach; see test_learner_path.demo."""
    settings.MEDIA_ROOT = tmp_path
    load_demo(editor_password=EDITOR_PASSWORD)
    course = CoursePage.objects.get()
    return {"course": course, "lessons": list(course.lessons())}


@pytest.fixture
def paying(stripe_server, live_server):
    """The local Stripe, delivering its events to the live server's webhook over HTTP."""
    stripe_server.webhook_url = live_server.url + "/stripe/webhook/"
    return stripe_server


@pytest.fixture
def page(page):
    page.set_default_timeout(TIMEOUT_MS)
    return page


def url_of(live_server, path: str) -> re.Pattern:
    """Matches the full URL of `path` on the live server, with or without a query string."""
    return re.compile(re.escape(live_server.url + path) + r"(\?.*)?$")


def emails_to(email: str, subject_starts: str) -> list:
    return [m for m in mail.outbox if email in m.to and m.subject.startswith(subject_starts)]


def emailed_path(email: str, subject_starts: str, link: str) -> str:
    """The path of the one `link` URL in the one email to `email` with that subject.

    Emails carry absolute links on WAGTAILADMIN_BASE_URL (http://testserver in tests); the
    path is what the browser opens on the live server.
    """
    messages = emails_to(email, subject_starts)
    sent = [(m.to, m.subject) for m in mail.outbox]
    assert len(messages) == 1, f"expected one email {subject_starts!r} to {email}; sent: {sent}"
    found = re.findall(r"https?://\S+" + re.escape(link) + r"[^\s\"<>]+", messages[0].body)
    assert found, f"no {link} link in the email:\n{messages[0].body}"
    assert len(set(found)) == 1, found
    return urlsplit(found[0]).path


def graduate(email: str, demo) -> None:
    """A learner who finished every lesson of the course, through the course's services."""
    user = get_user_model().objects.create_user(email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    course_services.enrolment_create(user=user, course=demo["course"])
    for lesson in demo["lessons"]:
        course_services.lesson_complete(user=user, lesson=lesson)
    assert Enrolment.objects.get(user=user).completed_at is not None


def sign_in(page, live_server, email: str) -> None:
    """The learner signs in with an emailed code, as on the site's sign-in page."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_role("main").get_by_role("button", name="Email me a sign-in code").click()
    expect(page.get_by_label("Code")).to_be_visible()
    enter_code(page, emailed_code(email, "Your sign-in code"))
    expect(page).to_have_url(url_of(live_server, "/my/"))


def coach_signs_in(browser, live_server):
    """A second context in the same browser: the coach, signed in to the Wagtail admin."""
    context = browser.new_context(viewport=DESKTOP)
    admin = context.new_page()
    admin.set_default_timeout(TIMEOUT_MS)
    admin_sign_in(admin, live_server, EDITOR_EMAIL, EDITOR_PASSWORD)
    return context, admin


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def choose_and_pay(
    page, live_server, paying, invitation_path: str, name: str, on_page=lambda page, step: None
) -> Payment:
    """Invitation → "Choose" a package → the local Stripe's payment page → Pay → booked.

    `on_page(page, step)` runs on each of the three pages once it has loaded.
    """
    package = CoachingPackage.objects.get(name=PACKAGE_NAME)
    page.goto(live_server.url + invitation_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"A place is yours, {name}")
    packages = page.locator(".package").get_by_role("heading", level=2)
    expect(packages).to_have_text(
        list(CoachingPackage.objects.filter(active=True).values_list("name", flat=True))
    )
    expect(packages).to_have_count(3)
    on_page(page, "invitation")
    page.get_by_role("button", name=f"Choose {PACKAGE_NAME}").click()

    expect(page).to_have_url(re.compile(re.escape(paying.url) + r"/pay/cs_test_\w+$"))
    amount = package.price_display
    expect(page.get_by_test_id("amount")).to_have_text(amount)
    expect(page.get_by_text(f"1 × {PACKAGE_NAME}")).to_be_visible()
    on_page(page, "stripe")
    page.get_by_role("button", name=f"Pay {amount}").click()

    expect(page).to_have_url(url_of(live_server, "/waitlist/payment/success/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment received, you’re booked!")
    booked = page.get_by_role("main")
    expect(booked).to_contain_text(f"Thank you. You’ve booked the {PACKAGE_NAME}")
    expect(booked).to_contain_text(f"(4 sessions) for {amount}")
    on_page(page, "success")

    # Stripe's webhook, over real HTTP, confirmed the payment before the browser came back.
    paying.wait_for_deliveries()
    deliveries = [(d.event_type, d.status) for d in paying.deliveries]
    assert deliveries == [("checkout.session.completed", 200)]
    payment = Payment.objects.select_related("entry").get()
    assert payment.status == Payment.Status.PAID
    assert payment.package == package
    assert payment.entry.status == Status.BOOKED
    return payment


def assert_receipts(email: str, name: str) -> None:
    receipts = emails_to(email, f"Your receipt: {PACKAGE_NAME}")
    assert len(receipts) == 1, [(m.to, m.subject) for m in mail.outbox]
    assert "you're booked" in receipts[0].body
    notes = emails_to(settings.COACH_EMAIL, f"New booking: {name}, {PACKAGE_NAME}")
    assert len(notes) == 1, [(m.to, m.subject) for m in mail.outbox]
    assert email in notes[0].body


@pytest.mark.browser_context_args(viewport=DESKTOP)
def test_graduate_joins_the_wait_list_is_invited_pays_and_is_booked(
    live_server, demo, paying, browser, page
):
    email, name = "graduate@example.com", "Alex Graduate"
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    graduate(email, demo)

    # The learner signs in and goes from their courses to the completion page.
    sign_in(page, live_server, email)
    page.get_by_role("link", name="Your certificate").click()
    expect(page).to_have_url(url_of(live_server, f"/learn/{demo['course'].pk}/completed/"))
    page.get_by_role("link", name="Join the coaching wait list").click()
    expect(page).to_have_url(url_of(live_server, "/coaching/"))

    # The wait-list form knows who they are.
    expect(page.get_by_label("Your email address")).to_have_value(email)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Where are you in your job search?").select_option("interviewing")
    page.get_by_label("What do you want from coaching?").fill("Rehearse the final interviews.")
    page.get_by_role("button", name="Join the wait list").click()
    # Signed in with a verified address: on the list at once, no confirmation link to open.
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/waitlist/status/[^/]+/$"))
    expect(page.locator(".position")).to_have_text("1You’re number 1 · you’re next in line")
    entry = WaitListEntry.objects.get()
    assert (entry.email, entry.name, entry.status) == (email, name, Status.WAITING)
    assert entry.user.email == email
    assert emails_to(email, "Confirm your place") == []
    # Back on the coaching page, they see their place, not the form again.
    page.goto(live_server.url + "/coaching/")
    expect(page.get_by_role("heading", name="You’re on the list")).to_be_visible()
    expect(page.get_by_role("button", name="Join the wait list")).to_have_count(0)
    assert len(emails_to(email, "You're on the wait list: number 1")) == 1

    # The coach, in the same browser, invites the next person from the admin.
    context, admin = coach_signs_in(browser, live_server)
    try:
        admin.goto(live_server.url + "/admin/coaching/wait-list/")
        expect(admin.get_by_role("row").filter(has_text=email)).to_contain_text("Waiting")
        admin.get_by_role("link", name="Invite the next people").click()
        expect(admin).to_have_url(live_server.url + "/admin/coaching/wait-list/invite/")
        expect(admin.get_by_role("main")).to_contain_text(f"{name} <{email}>")
        admin.get_by_label("How many people?").fill("1")
        admin.get_by_role("button", name="Send invitations").click()
        expect(admin).to_have_url(live_server.url + "/admin/coaching/wait-list/")
        expect(admin.get_by_text(f"Invited 1: {name}.")).to_be_visible()
        expect(admin.get_by_role("row").filter(has_text=email)).to_contain_text("Invited")
        entry.refresh_from_db()
        assert entry.status == Status.INVITED
        invitation_path = emailed_path(email, "A coaching place is yours", "/waitlist/invitation/")

        # The invited learner chooses a package and pays on the (local) Stripe.
        payment = choose_and_pay(page, live_server, paying, invitation_path, name)
        assert payment.entry == entry
        assert_receipts(email, name)
        # The invitation link now says so, and offers nothing more to buy.
        page.goto(live_server.url + invitation_path)
        expect(page.get_by_text("You’re booked. Thank you!")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("^Choose "))).to_have_count(0)

        # The coach sees the payment, and the person booked.
        admin.goto(live_server.url + "/admin/coaching/payments/")
        expect(admin.get_by_text("Paid, for these filters:")).to_be_visible()
        expect(admin.get_by_role("main")).to_contain_text(
            f"{payment.amount_display} from 1 payment"
        )
        row = admin.get_by_role("row").filter(has_text=name)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(PACKAGE_NAME)
        expect(row).to_contain_text("Paid")
        expect(row).to_contain_text(payment.amount_display)
        admin.goto(live_server.url + "/admin/coaching/wait-list/")
        expect(admin.get_by_role("row").filter(has_text=email)).to_contain_text("Booked")
    finally:
        context.close()
    assert errors == []


@pytest.mark.browser_context_args(viewport=PHONE)
def test_invited_person_pays_on_a_phone(live_server, demo, paying, page):
    email, name = "robin@example.com", "Robin Payer"
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    entry = WaitListEntryFactory(waiting=True, name=name, email=email)
    services.waitlist_invite(entry=entry)
    invitation_path = emailed_path(email, "A coaching place is yours", "/waitlist/invitation/")

    def fits_the_phone(page, step: str) -> None:
        if step == "stripe":
            return  # the test server's page, standing in for Stripe's own
        expect(page.get_by_role("heading", level=1)).to_be_in_viewport()
        no_sideways_scroll(page)
        if step == "invitation":
            choose = page.get_by_role("button", name=f"Choose {PACKAGE_NAME}")
            choose.scroll_into_view_if_needed()
            expect(choose).to_be_in_viewport()

    payment = choose_and_pay(page, live_server, paying, invitation_path, name, fits_the_phone)
    assert payment.entry == entry
    assert_receipts(email, name)
    assert errors == []
