"""Sign-up and sign-in by emailed code, as a person reads them: an expired code, wrong codes, a
known address signing up, a double-clicked form and the pages that say "wait"."""

import re
import time
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from course.models import Enrolment
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
