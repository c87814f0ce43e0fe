"""Nobody can learn who has an account (or a place on the wait list) from the site's answers.

Each form is sent a known and an unknown address, by two fresh visitors. The status, where
it redirects, and the page the visitor then sees must be the same once the address itself
(and per-request tokens) are taken out. The owner of a known address is told by email
instead, where only they can read it.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory, WaitListEntryFactory, WaitListPageFactory
from tests.security.conftest import verified_user

KNOWN = "known.person@example.com"
UNVERIFIED = "never.confirmed@example.com"
UNKNOWN = "nobody.here@example.com"
PER_REQUEST = [
    re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'),
    re.compile(r'(nonce=")[^"]+'),
]


def page_seen(client, response) -> str:
    """The page the visitor ends up on: the response itself, or where it redirects."""
    if response.status_code in (301, 302, 303):
        response = client.get(response["Location"])
    return response.content.decode()


def anonymised(text: str, email: str) -> str:
    text = text.replace(email, "EMAIL").replace(email.upper(), "EMAIL")
    for pattern in PER_REQUEST:
        text = pattern.sub(r"\1…", text)
    return text


def answer(path: str, data: dict, email: str) -> tuple:
    """What a visitor learns from sending `email`: status, redirect and the page shown."""
    cache.clear()  # the two visitors come from different addresses
    client = Client()
    response = client.post(path, {key: value.format(email=email) for key, value in data.items()})
    return (
        response.status_code,
        response.get("Location"),
        anonymised(page_seen(client, response), email),
    )


@pytest.fixture
def people(db):
    verified_user(KNOWN)
    UserFactory(email=UNVERIFIED)  # signed up, never entered the code


FORMS = {
    "sign-up": ("account_signup", {"email": "{email}"}),
    "sign-in": ("account_login", {"login": "{email}"}),
    "sign-in code request": ("account_request_login_code", {"email": "{email}"}),
    "password reset": ("account_reset_password", {"email": "{email}"}),
}


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("known", [KNOWN, UNVERIFIED])
def test_a_known_and_an_unknown_email_get_the_same_answer(people, mailoutbox, form, known):
    name, data = FORMS[form]
    path = reverse(name)

    for_known = answer(path, data, known)
    for_unknown = answer(path, data, UNKNOWN)

    assert for_known[0] in (200, 302)
    assert for_known[:2] == for_unknown[:2]
    assert for_known[2] == for_unknown[2], _first_difference(for_known[2], for_unknown[2])
    # Both are told by email, each in their own inbox; the page says nothing either way.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([known, UNKNOWN])


def test_a_wrong_code_gets_the_same_answer_for_a_known_and_an_unknown_email(people, mailoutbox):
    answers = []
    for email in (KNOWN, UNKNOWN):
        cache.clear()
        client = Client()
        client.post(reverse("account_login"), {"login": email})
        response = client.post(reverse("account_confirm_login_code"), {"code": "AAAA-AAAA"})
        answers.append((response.status_code, anonymised(page_seen(client, response), email)))

    assert answers[0][0] == 200
    assert answers[0] == answers[1], _first_difference(answers[0][1], answers[1][1])


def test_the_wait_list_answers_the_same_for_someone_on_it_and_someone_new(site_tree, mailoutbox):
    page = WaitListPageFactory(parent=site_tree["home"])
    WaitListEntryFactory(email=KNOWN)
    data = {
        "name": "Ada",
        "email": "{email}",
        "job_search_stage": "applying",
        "goals": "A plan.",
    }

    for_known = answer(page.url, data, KNOWN)
    for_unknown = answer(page.url, data, UNKNOWN)

    assert for_known[:2] == (302, page.url + "?joined=1")
    assert for_known == for_unknown, _first_difference(for_known[2], for_unknown[2])
    assert User.objects.filter(email=UNKNOWN).exists() is False


def _first_difference(a: str, b: str) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"pages differ at {at}: {a[at - 80 : at + 80]!r} vs {b[at - 80 : at + 80]!r}"
