"""Sign-up and sign-in by emailed code, as a person reads them: an expired code, wrong codes, a
known address signing up, a double-clicked form and the pages that say "wait"."""

import re
import statistics
import time
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from course.models import Enrolment
from tests.concurrency import run_together
from tests.factories import UserFactory

CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
CONFIRM = "/accounts/login/code/confirm/"
SEND_NEW = "/accounts/login/code/"


def text(response) -> str:
    """The words on the page, roughly as a person reads them."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def code_in(message) -> str:
    return CODE.search(message.body).group(0)


def start_url(course) -> str:
    return reverse("course:start", args=[course.pk])


def course_next(client, course) -> str:
    """Where a course's start page asks sign-up to send the reader back: the start page, with
    the signed wish to start the course in its query."""
    html = client.get(start_url(course)).content.decode()
    href = unescape(re.search(r'action="(/accounts/signup/\?[^"]+)"', html).group(1))
    return parse_qs(urlsplit(href).query)["next"][0]


def sign_up(client, email: str, next_url: str = ""):
    data = {"email": email}
    path = reverse("account_signup")
    if next_url:
        data["next"] = next_url
        path += "?" + urlencode({"next": next_url})
    return client.post(path, data)


def verified(email: str) -> User:
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def later(monkeypatch):
    """Moves the clock on by some seconds, as allauth and the site read it."""

    def move(seconds: float) -> None:
        now = time.time() + seconds
        monkeypatch.setattr(time, "time", lambda: now)

    return move


def test_the_code_email_says_how_long_it_works_in_text_and_html(db, client, mailoutbox):
    sign_up(client, "new.reader@example.com")

    [message] = mailoutbox
    assert message.subject.startswith("Your code to get started: ")
    assert "works for 10 minutes" in message.body
    html = message.alternatives[0][0]
    assert "works for 10 minutes" in html
    assert code_in(message) in html
    assert "Warm wishes," in message.body and "Warm wishes," in html


def test_an_expired_code_offers_one_button_that_sends_a_new_code_and_keeps_the_course(
    client, course, lessons, mailoutbox, later
):
    next_url = course_next(client, course)
    sign_up(client, "late.reader@example.com", next_url)
    first_code = code_in(mailoutbox[-1])

    later(11 * 60)
    response = client.post(CONFIRM + "?" + urlencode({"next": next_url}), {"code": first_code})

    assert response.status_code == 302
    assert response["Location"] == SEND_NEW + "?" + urlencode({"next": next_url})
    page = text(client.get(response["Location"]))
    assert "That code has expired" in page
    assert "Send a new code to late.reader@example.com" in page
    assert "Too many" not in page

    response = client.post(SEND_NEW, {"email": "late.reader@example.com", "next": next_url})
    assert response.status_code == 302
    assert len(mailoutbox) == 2
    response = client.post(response["Location"], {"code": code_in(mailoutbox[-1])}, follow=True)
    assert response.redirect_chain[-1][0] == lessons[0].url
    assert Enrolment.objects.filter(user__email="late.reader@example.com").exists()


@pytest.mark.parametrize("flow", ["sign-up", "sign-in"])
def test_each_wrong_code_says_how_many_tries_are_left_then_offers_a_new_code(
    db, client, mailoutbox, flow
):
    email = "typo.reader@example.com"
    if flow == "sign-in":
        verified(email)
        client.post(reverse("account_login"), {"login": email})
    else:
        sign_up(client, email)

    first = text(client.post(CONFIRM, {"code": "AAAA-AAAA"}))
    second = text(client.post(CONFIRM, {"code": "AAAA-AAAB"}))
    third = client.post(CONFIRM, {"code": "AAAA-AAAC"})

    assert "That code doesn’t match. You have 2 more tries." in first
    assert "That code doesn’t match. You have one more try" in second
    assert "Incorrect code" not in first
    assert third.status_code == 302
    assert third["Location"] == SEND_NEW
    page = text(client.get(third["Location"]))
    assert "That code no longer works" in page
    assert f"Send a new code to {email}" in page
    assert "Too many" not in page
    assert "Sign in Enter" not in page, "not the sign-in form"

    client.post(SEND_NEW, {"email": email})
    response = client.post(CONFIRM, {"code": code_in(mailoutbox[-1])})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id"), "the new code works at once"


def test_signing_up_with_a_known_address_sends_a_sign_in_code_and_lands_where_going(
    client, course, lessons, mailoutbox
):
    owner = verified("owner@example.com")
    response = sign_up(client, "Owner@Example.com", course_next(client, course))

    assert response.status_code == 302
    assert response["Location"].startswith(CONFIRM)
    [message] = mailoutbox
    assert message.subject.startswith("Your sign-in code: ")
    assert "Already" not in message.subject
    assert "Check your email" in text(client.get(response["Location"]))
    response = client.post(response["Location"], {"code": code_in(message)}, follow=True)
    assert response.redirect_chain[-1][0] == lessons[0].url
    assert Enrolment.objects.filter(user=owner, course=course).exists()
    assert User.objects.count() == 1


def test_a_closed_account_gets_no_code_but_the_same_page(db, client, mailoutbox):
    UserFactory(email="closed@example.com", is_active=False)

    response = sign_up(client, "closed@example.com")

    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    [message] = mailoutbox
    assert not CODE.search(message.body)
    assert "closed" in message.body


# Two requests at the same moment need a database that takes them (SQLite's in-memory test
# database locks the table); the sequential case below runs everywhere.
@pytest.mark.postgres
# Committed data for the threads; serialized rollback restores Wagtail's root page and site.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_clicked_sign_up_sends_one_code_and_both_answers_lead_to_it(mailoutbox):
    first = Client()
    first.get(reverse("account_signup"))
    first.cookies["csrftoken"] = "a" * 32  # the browser's own cookie, sent with both posts
    second = Client()
    second.cookies = first.cookies

    responses = run_together(
        [lambda c=c: sign_up(c, "double.click@example.com") for c in (first, second)]
    )

    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {CONFIRM}
    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]
    # The browser keeps the answer to its second click: its session has the code.
    last = first if responses[0].cookies.get("sessionid") is None else second
    for response in responses:
        if "sessionid" in response.cookies:
            last.cookies["sessionid"] = response.cookies["sessionid"].value
    assert "Check your email" in text(last.get(CONFIRM))
    assert last.post(CONFIRM, {"code": code_in(mailoutbox[0])}).status_code == 302
    assert User.objects.filter(email="double.click@example.com").count() == 1


def test_a_second_submit_just_after_the_first_sends_no_second_code(db, client, mailoutbox):
    client.cookies["csrftoken"] = "b" * 32
    sign_up(client, "twice@example.com")
    response = sign_up(client, "twice@example.com")

    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    assert len(mailoutbox) == 1
    assert client.post(CONFIRM, {"code": code_in(mailoutbox[0])}).status_code == 302


def test_a_rate_limited_page_is_the_sites_own_and_says_how_long_to_wait(db, client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/m/ip"}
    sign_up(client, "one@example.com")
    cache_cleared_client = Client()

    response = sign_up(cache_cleared_client, "two@example.com")

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    page = text(response)
    assert "Please wait a minute" in page
    assert "Too Many Requests" not in page
    assert 'class="site-header' in response.content.decode()


def _sign_up_timed(email: str) -> tuple[float, list[str]]:
    cache.clear()
    client = Client()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse("account_signup"), {"email": email})
    elapsed = time.perf_counter() - started
    return elapsed, [q["sql"] for q in queries.captured_queries]


def test_a_known_and_a_new_address_do_the_same_work_before_the_answer(db, mailoutbox):
    verified("known@example.com")
    _sign_up_timed("known@example.com"), _sign_up_timed("warm@example.com")  # templates, caches
    known, new = [], []
    for n in range(9):  # interleaved, so a busy moment of the machine slows both alike
        known.append(_sign_up_timed("known@example.com"))
        new.append(_sign_up_timed(f"new{n}@example.com"))

    # Both try to create the account (the unique constraint refuses the known one) and
    # both send one code email.
    for _, queries in (known[-1], new[-1]):
        assert any(q.startswith('INSERT INTO "accounts_user"') for q in queries), queries
    assert len(mailoutbox) == 20
    assert all(CODE.search(message.body) for message in mailoutbox)
    ratio = statistics.median(t for t, _ in new) / statistics.median(t for t, _ in known)
    assert 0.6 < ratio < 1.6, f"new/known sign-up time {ratio:.2f}"


def test_a_mistyped_email_from_a_course_keeps_the_course_and_its_words(client, course):
    response = sign_up(client, "not-an-address", course_next(client, course))

    assert response.status_code == 200
    page = text(response)
    assert course.title in page and course.outcome in page
    assert "Unlock the free course" in page
    assert "Enter a valid email address." in page


def test_send_a_new_code_on_the_code_page_starts_afresh(db, client, mailoutbox):
    email = "again@example.com"
    sign_up(client, email)
    client.post(CONFIRM, {"code": "AAAA-AAAA"})
    client.post(CONFIRM, {"code": "AAAA-AAAB"})

    page = client.get(CONFIRM).content.decode()
    assert 'form="resend">Send a new code</button>' in page
    response = client.post(SEND_NEW, {"email": email})

    assert response.status_code == 302
    assert len(mailoutbox) == 2
    assert "You have 2 more tries." in text(client.post(CONFIRM, {"code": "AAAA-AAAC"}))
    assert client.post(CONFIRM, {"code": code_in(mailoutbox[-1])}).status_code == 302
    assert client.session.get("_auth_user_id")


def test_after_sign_up_the_first_lesson_shows_one_message_not_three(
    client, course, lessons, mailoutbox
):
    response = sign_up(client, "one.message@example.com", course_next(client, course))
    client.get(response["Location"])  # the code page, where allauth's "code sent" would show

    response = client.post(CONFIRM, {"code": code_in(mailoutbox[-1])}, follow=True)

    assert response.redirect_chain[-1][0] == lessons[0].url
    html = response.content.decode()
    messages = re.findall(r'<p class="message message--[a-z]+">(.*?)</p>', html)
    assert len(messages) == 1, messages
    assert "You're in!" in unescape(messages[0])
