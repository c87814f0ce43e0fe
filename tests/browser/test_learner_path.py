"""The main path in Chromium: article, sign-up by emailed code, lessons, sign-in, certificate."""

import asyncio
import contextlib
import os
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connections
from playwright.sync_api import expect

from coachhouse.demo.loader import load_demo
from coachhouse.models import ArticlePage
from course.models import CoursePage, Enrolment

# Playwright's sync API runs an event loop in this thread; the test's own database calls would
# otherwise raise SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

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
# What the progress text shows after n of 8 lessons: Python's round() halves to even, so
# 12.5% shows as 12% but 37.5% as 38%.
PERCENT_AFTER = {1: 12, 2: 25, 3: 38, 4: 50, 5: 62, 6: 75, 7: 88, 8: 100}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth counts sign-up and code attempts in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@contextlib.contextmanager
def thread_database_connections():
    """Give the test thread one set of database connections while Playwright's loop "runs".

    Between calls, Playwright's sync API leaves its event loop marked as running in this
    thread. Django then refuses synchronous queries (hence DJANGO_ALLOW_ASYNC_UNSAFE) and hands
    the thread a second, "async" set of connections. pytest-django keeps its snapshot for
    serialized rollback (Wagtail's root page, collection, locale and default site) on the set
    that was current when it created the test database; on the other set, the flush after a
    transactional test is followed by no restore at all. This puts the thread's own set in
    both places (or the "async" set, if only that one holds the snapshot), and must run
    before the test database is created when that happens after Chromium starts.
    """
    loop_connections = {alias: connections[alias] for alias in connections}
    loop = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        thread_connections = {alias: connections[alias] for alias in connections}
    finally:
        asyncio._set_running_loop(loop)
    for alias, connection in thread_connections.items():
        loop_connection = loop_connections[alias]
        if _has_snapshot(loop_connection) and not _has_snapshot(connection):
            connection = loop_connection
        connections[alias] = connection
    try:
        yield
    finally:
        for alias, connection in loop_connections.items():
            connections[alias] = connection


def _has_snapshot(connection) -> bool:
    return hasattr(connection, "_test_serialized_contents")


@pytest.fixture(scope="module", autouse=True)
def one_set_of_database_connections(browser):
    with thread_database_connections():
        yield


@pytest.fixture
def demo(settings, tmp_path):
    """The demo site, in the transactional database that live_server brings along.

    Not `transactional_db` as an argument: that would have pytest-django create the test
    database before one_set_of_database_connections runs.
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
    expect(page).to_have_url(path_of(live_server, "/accounts/confirm-email/"))
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
    expect(page.get_by_role("link", name="Continue to the next lesson")).to_have_attribute(
        "href", lessons[1].url
    )

    # Days later: signed out, the learner signs in with an emailed code.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/")
    page.get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(path_of(live_server, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Code")).to_be_visible()
    enter_code(page, emailed_code(email, "Your sign-in code"))

    expect(page).to_have_url(path_of(live_server, "/my/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")
    expect(page.locator("[data-progress-text]")).to_have_text(f"1 of {total} lessons, 12%")
    page.get_by_role("link", name=f"Continue: lesson 2, “{lessons[1].title}”").click()

    for number, lesson in enumerate(lessons[1:], start=2):
        expect(page).to_have_url(path_of(live_server, lesson.url))
        expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
        mark_complete(page, number, total)
        if number < total:
            page.get_by_role("link", name="Continue to the next lesson").click()

    expect(page.get_by_text("That was the last one. You finished the course!")).to_be_visible()
    page.get_by_role("link", name="See your certificate").click()
    expect(page).to_have_url(path_of(live_server, f"/learn/{course.pk}/completed/"))
    expect(page.get_by_text("Course complete")).to_be_visible()
    expect(page.get_by_role("link", name="Join the coaching wait list")).to_be_visible()

    page.get_by_role("link", name="View and print your certificate").click()
    enrolment = Enrolment.objects.get(user__email=email)
    expect(page).to_have_url(path_of(live_server, f"/certificates/{enrolment.certificate_id}/"))
    certificate = page.locator(".certificate")
    expect(certificate).to_contain_text("Certificate of completion")
    expect(certificate.get_by_role("heading", level=1)).to_have_text(email)
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
    next_link = page.get_by_role("link", name="Continue to the next lesson")
    expect(next_link).to_be_visible()
    expect(next_link).to_be_in_viewport()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the lesson scrolls sideways by {overflow}px on a phone"
    assert errors == []
