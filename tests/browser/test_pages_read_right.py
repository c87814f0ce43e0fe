"""What a person reads, on a desktop and on a phone: the visible text of the pages issue 17
found wrong, and axe-core on the wait-list status, invitation and certificate pages.

With SHOTS_DIR set, each page is also saved as a screenshot there, for a person to look at.
"""

import os
import re
import time
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from coachhouse.demo.loader import load_demo
from coaching import services as coaching_services
from coaching import tokens
from course import certificates
from course import services as course_services
from course.models import CoursePage, Enrolment
from tests.browser.test_accessibility import BLOCKING_IMPACTS, axe_violations, describe
from tests.browser.test_learner_path import CODE, DESKTOP, PHONE, TIMEOUT_MS, emailed_code
from tests.factories import LessonPageFactory, WaitListEntryFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIEWPORTS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
SHOTS_DIR = os.environ.get("SHOTS_DIR")


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    load_demo()
    course = CoursePage.objects.get()
    return {"course": course, "lessons": list(course.lessons())}


@pytest.fixture
def page(page):
    page.set_default_timeout(TIMEOUT_MS)
    return page


def seen(page) -> str:
    """The words in the page's main area, as laid out for the reader."""
    return " ".join(page.locator("main").inner_text().split())


def shot(page, name: str) -> None:
    if SHOTS_DIR:
        width = page.viewport_size["width"]
        Path(SHOTS_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS_DIR}/{name}-{width}.png", full_page=True)


def assert_accessible(page) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core found on {page.url}:\n{describe(blocking)}"


def assert_fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def sign_up_from_start(page, live_server, course, email: str) -> None:
    page.goto(f"{live_server.url}/learn/{course.pk}/start/")
    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Unlock the free course").click()
    expect(page.get_by_label("Code")).to_be_visible()


def enter_code(page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()


# The wait list ------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_wait_list_status_reads_right_for_the_first_second_and_tenth(
    live_server, demo, page, viewport
):
    page.set_viewport_size(viewport)
    entries = [
        coaching_services.waitlist_confirm(entry=WaitListEntryFactory(name=f"Person {n}"))
        for n in range(1, 11)
    ]
    expected = {
        1: "You’re number 1 · you’re next in line",
        2: "You’re number 2 · 1 person is ahead of you",
        10: "You’re number 10 · 9 people are ahead of you",
    }
    for number, words in expected.items():
        token = tokens.make_token(entries[number - 1], tokens.STATUS)
        page.goto(f"{live_server.url}/waitlist/status/{token}/")
        text = seen(page)
        assert words in text, text
        assert f"{number - 1} person is" not in text.replace(words, "")
        shot(page, f"waitlist-status-{number}")
    assert_fits(page)
    assert_accessible(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_invitation_says_once_that_payment_is_not_set_up(live_server, demo, page, viewport):
    page.set_viewport_size(viewport)
    entry = coaching_services.waitlist_confirm(entry=WaitListEntryFactory(name="Ada"))
    entry = coaching_services.waitlist_invite(entry=entry)

    token = tokens.make_token(entry, tokens.INVITATION)
    page.goto(f"{live_server.url}/waitlist/invitation/{token}/")

    text = seen(page)
    assert "A place is yours, Ada" in text
    assert text.count("Online payment isn’t set up yet") == 1, text
    assert "held until then" not in text
    expect(page.get_by_role("button", name="No thanks, not right now")).to_have_class(
        re.compile(r"\bbutton\b")
    )
    shot(page, "invitation")
    assert_fits(page)
    assert_accessible(page)


# Sign-in codes -----------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_expired_code_reads_right_and_one_button_sends_a_new_one(
    live_server, demo, page, viewport, monkeypatch
):
    page.set_viewport_size(viewport)
    course, lessons = demo["course"], demo["lessons"]
    email = "late.reader@example.com"
    sign_up_from_start(page, live_server, course, email)
    text = seen(page)
    assert f"I’ve sent a code to {email}. Type it in below: it works for 10 minutes." in text
    shot(page, "code")
    assert_accessible(page)
    first_code = emailed_code(email, "Your code to get started")

    eleven_minutes_on = time.time() + 11 * 60
    monkeypatch.setattr(time, "time", lambda: eleven_minutes_on)
    enter_code(page, first_code)

    expect(page.get_by_role("heading", level=1)).to_have_text("That code has expired")
    text = seen(page)
    assert "Codes work for 10 minutes" in text
    assert "Too many" not in text and "Request Code" not in text
    shot(page, "code-expired")
    assert_fits(page)
    assert_accessible(page)
    page.get_by_role("button", name=f"Send a new code to {email}").click()
    new_code = emailed_code(email, "Your")
    assert new_code != first_code
    enter_code(page, new_code)
    expect(page.get_by_role("heading", level=1)).to_have_text(lessons[0].title)
    assert Enrolment.objects.filter(user__email=email, course=course).exists()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_three_wrong_codes_read_right_and_a_new_code_works_at_once(
    live_server, demo, page, viewport
):
    page.set_viewport_size(viewport)
    course, lessons = demo["course"], demo["lessons"]
    email = "typo.reader@example.com"
    sign_up_from_start(page, live_server, course, email)

    enter_code(page, "AAAA-AAAA")
    expect(page.get_by_role("alert")).to_have_text("You have 2 more tries.")
    enter_code(page, "AAAA-AAAB")
    expect(page.get_by_role("alert")).to_have_text(
        "You have one more try, or send yourself a new code below."
    )
    shot(page, "code-wrong")
    enter_code(page, "AAAA-AAAC")

    expect(page.get_by_role("heading", level=1)).to_have_text("That code no longer works")
    text = seen(page)
    assert "Too many failed login attempts" not in text
    assert "Sign in" not in page.get_by_role("heading", level=1).inner_text()
    shot(page, "code-used-up")
    assert_fits(page)
    page.get_by_role("button", name=f"Send a new code to {email}").click()
    enter_code(page, emailed_code(email, "Your"))
    expect(page.get_by_role("heading", level=1)).to_have_text(lessons[0].title)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_signing_up_with_a_known_address_reads_the_same_and_signs_its_owner_in(
    live_server, demo, page, viewport
):
    page.set_viewport_size(viewport)
    course, lessons = demo["course"], demo["lessons"]
    email = "owner@example.com"
    owner = get_user_model().objects.create_user(email)
    EmailAddress.objects.create(user=owner, email=email, verified=True, primary=True)

    sign_up_from_start(page, live_server, course, email)

    text = seen(page)
    assert text.startswith("Check your email")
    assert f"I’ve sent a code to {email}" in text
    assert "already" not in text.lower()
    shot(page, "code-known-address")
    from django.core import mail

    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Your sign-in code"]
    assert CODE.search(mail.outbox[0].body)
    enter_code(page, emailed_code(email, "Your sign-in code"))
    expect(page.get_by_role("heading", level=1)).to_have_text(lessons[0].title)
    assert Enrolment.objects.filter(user=owner, course=course).exists()


# Certificates ------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_certificate_reads_the_same_before_and_after_the_coach_adds_a_lesson(
    live_server, demo, page, viewport
):
    page.set_viewport_size(viewport)
    course, lessons = demo["course"], demo["lessons"]
    user = get_user_model().objects.create_user("grace@example.com")
    enrolment, _ = course_services.enrolment_create(user=user, course=course)
    for lesson in lessons:
        course_services.lesson_complete(user=user, lesson=lesson)
    enrolment.refresh_from_db()
    certificates.certificate_issue(enrolment=enrolment, first_name="Grace", last_name="Hopper")
    url = f"{live_server.url}/certificates/{enrolment.certificate_id}/"

    page.goto(url)
    before = seen(page)
    assert "Grace Hopper has completed the online course" in before
    assert f"{course.title} 8 lessons · completed on" in before
    assert "grace@example.com" not in before
    shot(page, "certificate")
    assert_fits(page)
    assert_accessible(page)

    # Published as the coach publishes it, so every page that lists lessons hears of it.
    LessonPageFactory(
        parent=CoursePage.objects.get(pk=course.pk), title="Salary talks"
    ).save_revision().publish()
    page.goto(url)
    assert seen(page) == before
    shot(page, "certificate-after-new-lesson")


# The other pages this work changed: what they say, and (with SHOTS_DIR) how they look ---


def signed_in_as(page, live_server, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_other_changed_pages_read_right(live_server, demo, page, viewport, settings):
    page.set_viewport_size(viewport)
    course, lessons = demo["course"], demo["lessons"]

    page.goto(f"{live_server.url}/learn/{course.pk}/start/")
    page.get_by_label("Your email address").fill("not-an-address")
    page.get_by_label("Your email address").evaluate("el => el.removeAttribute('required')")
    page.get_by_label("Your email address").evaluate("el => el.type = 'text'")
    page.get_by_role("button", name="Unlock the free course").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    shot(page, "signup-mistyped")
    page.goto(f"{live_server.url}/accounts/login/")
    shot(page, "sign-in")
    if viewport == PHONE:
        page.get_by_text("Menu").click()
        shot(page, "phone-menu-open")

    page.goto(f"{live_server.url}{lessons[0].url}")
    shot(page, "lesson-free-preview")

    newcomer = get_user_model().objects.create_user("new@example.com")
    signed_in_as(page, live_server, newcomer)
    page.goto(f"{live_server.url}/my/")
    shot(page, "dashboard-new-person")
    page.context.clear_cookies()

    user = get_user_model().objects.create_user("grad@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    enrolment, _ = course_services.enrolment_create(user=user, course=course)
    for lesson in lessons:
        course_services.lesson_complete(user=user, lesson=lesson)
    signed_in_as(page, live_server, user)
    page.goto(f"{live_server.url}/learn/{course.pk}/completed/")
    shot(page, "completed-name-first")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_role("button", name="Issue my certificate").click()
    expect(page.get_by_text("You finished all 8 lessons")).to_be_visible()
    shot(page, "completed-issued")
    # Published as the coach publishes it, so every page that lists lessons hears of it.
    LessonPageFactory(
        parent=CoursePage.objects.get(pk=course.pk), title="Salary talks"
    ).save_revision().publish()
    page.goto(f"{live_server.url}/my/")
    expect(page.get_by_text("1 new lesson since you finished")).to_be_visible()
    shot(page, "dashboard-graduate-new-lesson")
    page.goto(f"{live_server.url}/account/")
    shot(page, "account")
    page.goto(f"{live_server.url}/coaching/")
    shot(page, "waitlist-page-signed-in")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Where are you in your job search?").select_option(index=1)
    page.get_by_label("What do you want from coaching?").fill("Practise interviews.")
    page.get_by_role("button", name="Join the wait list").click()
    expect(page.locator(".position")).to_be_visible()
    page.goto(f"{live_server.url}/coaching/")
    shot(page, "waitlist-page-on-the-list")
    page.context.clear_cookies()

    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/m/ip"}
    for email in ("a@example.com", "b@example.com"):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/signup/")
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Send my code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait a minute")
    shot(page, "429")
