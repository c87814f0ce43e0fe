"""The main path in Chromium: article, sign-up by emailed code, lessons, sign-in, certificate."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from coachhouse.demo.loader import load_demo
from coachhouse.models import ArticlePage
from course.models import CoursePage, Enrolment

# Playwright's sync API runs an event loop in this thread; the test's own database calls would
# otherwise raise SynchronousOnlyOperation.

pytestmark = [
    pytest.mark.browser,
    # live_server needs committed data; serialized rollback restores Wagtail's root page and
    # default site, which the flush after each transactional test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ARTICLE_SLUG = "networking-is-a-habit"
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
TIMEOUT_MS = 10_000
# What the progress text shows after n of 8 lessons: halves round up.
PERCENT_AFTER = {1: 13, 2: 25, 3: 38, 4: 50, 5: 63, 6: 75, 7: 88, 8: 100}


@pytest.fixture
def demo(settings, tmp_path):
    """The demo site, in the transactional database that live_server brings along.

    Not `transactional_db` as an argument: that would have pytest-django create the test
    database before the browser fixture in conftest.py shares the thread's connections.
    """
    settings.MEDIA_ROOT = tmp_path
    load_demo()
    course = CoursePage.objects.get()
    return {
        "article": ArticlePage.objects.get(slug=ARTICLE_SLUG),
        "course": course,
        "lessons": list(course.lessons()),
    }


def path_of(live_server, path: str) -> re.Pattern:
    """Matches the full URL of `path` on the live server, with or without a query string."""
    return re.compile(re.escape(live_server.url + path) + r"(\?.*)?$")


def emailed_code(email: str, subject_starts: str) -> str:
    """The code in the newest email to `email` whose subject starts with `subject_starts`."""
    for message in reversed(mail.outbox):
        if email in message.to and message.subject.startswith(subject_starts):
            found = CODE.search(message.body)
            assert found, f"no code in the email {message.subject!r}:\n{message.body}"
            assert found.group() in message.subject
            return found.group()
    sent = [(m.to, m.subject) for m in mail.outbox]
    raise AssertionError(f"no email {subject_starts!r} to {email}; sent: {sent}")


def enter_code(page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()


def sign_up_from_article(page, live_server, demo, email: str) -> None:
    """Article → call to action → email → emailed code → the first lesson, enrolled."""
    article, course, lessons = demo["article"], demo["course"], demo["lessons"]
    page.goto(live_server.url + article.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)

    page.get_by_role("link", name="Unlock the free course").last.click()
    expect(page).to_have_url(live_server.url + f"/learn/{course.pk}/start/?source={article.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)

    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Unlock the free course").click()
    expect(page).to_have_url(path_of(live_server, "/accounts/login/code/confirm/"))
    enter_code(page, emailed_code(email, "Your code to get started"))

    expect(page).to_have_url(path_of(live_server, lessons[0].url))
    expect(page.get_by_role("heading", level=1)).to_have_text(lessons[0].title)
    expect(page.get_by_text(f"Welcome to “{course.title}”")).to_be_visible()
    expect(page.locator("[data-progress-text]")).to_have_text(f"0 of {len(lessons)} lessons, 0%")

    # The course and the article the reader came from survived the email round trip.
    enrolment = Enrolment.objects.get(user__email=email)
    assert enrolment.course_id == course.pk
    assert enrolment.source_page_id == article.pk
    welcome = [m for m in mail.outbox if email in m.to and m.subject.startswith("Welcome to")]
    assert len(welcome) == 1, [m.subject for m in mail.outbox]
    assert lessons[0].url in welcome[0].body


def mark_complete(page, done: int, total: int) -> None:
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("You completed this lesson.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as not complete")).to_be_visible()
    summary = f"{done} of {total} lessons, {PERCENT_AFTER[done]}%"
    expect(page.locator("[data-progress-text]")).to_have_text(summary)
    expect(page.locator("[data-progress-status]")).to_have_text(
        f"Lesson marked complete. {summary}."
    )


@pytest.fixture
def page(page):
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.mark.browser_context_args(viewport=DESKTOP)
def test_reader_signs_up_learns_signs_in_again_and_gets_a_certificate(live_server, demo, page):
    course, lessons = demo["course"], demo["lessons"]
    total = len(lessons)
    assert total == 8
    email = "reader@example.com"
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_up_from_article(page, live_server, demo, email)
    mark_complete(page, 1, total)
    expect(page.get_by_role("link", name=re.compile(r"Continue to lesson \d+"))).to_have_attribute(
        "href", lessons[1].url
    )

    # Days later: signed out, the learner signs in with an emailed code.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/")
    page.get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(path_of(live_server, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_role("main").get_by_role("button", name="Email me a sign-in code").click()
    expect(page.get_by_label("Code")).to_be_visible()
    enter_code(page, emailed_code(email, "Your sign-in code"))

    expect(page).to_have_url(path_of(live_server, "/my/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")
    expect(page.locator("[data-progress-text]")).to_have_text(f"1 of {total} lessons, 13%")
    page.get_by_role("link", name=f"Continue: lesson 2, “{lessons[1].title}”").click()

    for number, lesson in enumerate(lessons[1:], start=2):
        expect(page).to_have_url(path_of(live_server, lesson.url))
        expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
        mark_complete(page, number, total)
        if number < total:
            page.get_by_role("link", name=re.compile(r"Continue to lesson \d+")).click()

    expect(page.get_by_text("That was the last one. You finished the course!")).to_be_visible()
    page.get_by_role("link", name="See your certificate").click()
    expect(page).to_have_url(path_of(live_server, f"/learn/{course.pk}/completed/"))
    expect(page.get_by_text("Course complete")).to_be_visible()
    expect(page.get_by_role("link", name="Join the coaching wait list")).to_be_visible()

    # A name first: the certificate is issued to a person, never to an email address.
    expect(page.get_by_role("link", name="View and print your certificate")).to_have_count(0)
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Reader")
    page.get_by_role("button", name="Issue my certificate").click()
    expect(page.get_by_text("You finished all 8 lessons")).to_be_visible()
    page.get_by_role("link", name="View and print your certificate").click()
    enrolment = Enrolment.objects.get(user__email=email)
    expect(page).to_have_url(path_of(live_server, f"/certificates/{enrolment.certificate_id}/"))
    certificate = page.locator(".certificate")
    expect(certificate).to_contain_text("Certificate of completion")
    expect(certificate.get_by_role("heading", level=1)).to_have_text("Robin Reader")
    expect(certificate).not_to_contain_text(email)
    expect(certificate).to_contain_text(f"has completed the online course {course.title}")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    assert enrolment.completed_at is not None
    completed = [m for m in mail.outbox if m.subject.startswith("You finished")]
    assert [m.to for m in completed] == [[email]]
    assert errors == []


@pytest.mark.browser_context_args(viewport=PHONE)
def test_reader_on_a_phone_signs_up_and_completes_the_first_lesson(live_server, demo, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_up_from_article(page, live_server, demo, "phone.reader@example.com")
    mark_complete(page, 1, len(demo["lessons"]))
    next_link = page.get_by_role("link", name=re.compile(r"Continue to lesson \d+"))
    expect(next_link).to_be_visible()
    expect(next_link).to_be_in_viewport()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the lesson scrolls sideways by {overflow}px on a phone"
    assert errors == []
