"""Rate limits on a real Redis: each refuses past its limit, and a forged X-Forwarded-For
buys nothing.

The limits live in the shared cache, which in production is Redis (every worker process must
see the same counts), so these run against Redis: `REDIS_URL=redis://127.0.0.1:6379/0 make
test`; without it they are skipped (and in CI they run in the pass that sets REDIS_URL).
Every request here carries a different, made-up X-Forwarded-For, as an attacker rotating
the header would send; the site must count the address it can trust.
"""

import itertools
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from coaching.models import WaitListEntry
from tests.factories import WaitListPageFactory
from tests.security.conftest import signed_in_user_id, verified_user

pytestmark = pytest.mark.redis

CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
ATTACKER = "203.0.113.66"
PROXY = "10.0.0.2"
_forged = (f"198.51.100.{n % 250}, 192.0.2.{n % 200}" for n in itertools.count())

# allauth's defaults (ACCOUNT_RATE_LIMITS) and the wait list's own.
SIGNUPS_PER_IP_PER_MINUTE = 20
CODE_REQUESTS_PER_EMAIL_PER_MINUTE = 3
CODE_REQUESTS_PER_IP_PER_MINUTE = 20
WRONG_CODES_PER_CODE = 3
WAITLIST_JOINS_PER_IP_PER_HOUR = 10
WAITLIST_JOINS_PER_EMAIL_PER_HOUR = 3


@pytest.fixture(autouse=True)
def redis_cache(settings):
    """The limits really are in Redis here, and nothing is left from another test."""
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.clear()


def rotating(**extra) -> dict:
    """Request headers from the attacker: the same socket address, a new forged header."""
    return {"REMOTE_ADDR": ATTACKER, "HTTP_X_FORWARDED_FOR": next(_forged), **extra}


def behind_proxy(real_ip: str) -> dict:
    """As our reverse proxy forwards it: whatever the client claimed, then what it saw."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{next(_forged)}, {real_ip}"}


def is_refused(response) -> bool:
    """A 429, or allauth's form refusal ("too many attempts"), shown instead of the next step."""
    if response.status_code == 429:
        return True
    page = response.content.decode()
    return response.status_code == 200 and "Too many" in page


# Sign-up --------------------------------------------------------------------------------


@pytest.mark.parametrize("proxies", [0, 1])
def test_sign_up_is_refused_past_its_limit_whatever_the_forwarded_header(
    db, settings, mailoutbox, proxies
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    headers = (lambda: behind_proxy(ATTACKER)) if proxies else rotating

    answers = [
        Client().post(reverse("account_signup"), {"email": f"bulk{n}@example.com"}, **headers())
        for n in range(SIGNUPS_PER_IP_PER_MINUTE + 1)
    ]

    assert [a.status_code for a in answers[:-1]] == [302] * SIGNUPS_PER_IP_PER_MINUTE
    assert is_refused(answers[-1]), answers[-1].status_code
    assert User.objects.count() == SIGNUPS_PER_IP_PER_MINUTE
    assert len(mailoutbox) == SIGNUPS_PER_IP_PER_MINUTE


def test_behind_the_proxy_another_visitor_can_still_sign_up(db, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(SIGNUPS_PER_IP_PER_MINUTE + 1):
        Client().post(
            reverse("account_signup"), {"email": f"b{n}@example.com"}, **behind_proxy(ATTACKER)
        )

    response = Client().post(
        reverse("account_signup"), {"email": "someone@example.com"}, **behind_proxy("192.0.2.7")
    )

    assert response.status_code == 302


# Sign-in codes: requests per address and per visitor, wrong codes per code ---------------


@pytest.fixture
def known(db):
    return verified_user("known@example.com")


def test_a_fourth_code_for_one_address_within_a_minute_is_refused_from_anywhere(known, mailoutbox):
    answers = []
    for n in range(CODE_REQUESTS_PER_EMAIL_PER_MINUTE + 1):
        # A different visitor each time: a new session and a new socket address.
        headers = rotating(REMOTE_ADDR=f"203.0.113.{n + 1}")
        answers.append(Client().post(reverse("account_login"), {"login": known.email}, **headers))

    assert [a.status_code for a in answers[:-1]] == [302] * CODE_REQUESTS_PER_EMAIL_PER_MINUTE
    assert is_refused(answers[-1])
    assert len(mailoutbox) == CODE_REQUESTS_PER_EMAIL_PER_MINUTE


def test_code_requests_from_one_visitor_are_refused_past_the_limit(known, mailoutbox):
    answers = [
        Client().post(
            reverse("account_request_login_code"), {"email": f"p{n}@example.com"}, **rotating()
        )
        for n in range(CODE_REQUESTS_PER_IP_PER_MINUTE + 1)
    ]

    assert [a.status_code for a in answers[:-1]] == [302] * CODE_REQUESTS_PER_IP_PER_MINUTE
    assert is_refused(answers[-1])
    assert len(mailoutbox) == CODE_REQUESTS_PER_IP_PER_MINUTE


def test_after_three_wrong_codes_even_the_right_code_is_refused(known, mailoutbox):
    client = Client()
    client.post(reverse("account_login"), {"login": known.email}, **rotating())
    right = CODE.search(mailoutbox[-1].body).group(0)
    wrong = "AAAA-AAAA" if right != "AAAA-AAAA" else "BBBB-BBBB"
    path = reverse("account_confirm_login_code")

    for _ in range(WRONG_CODES_PER_CODE):
        client.post(path, {"code": wrong}, **rotating())
    response = client.post(path, {"code": right}, **rotating())

    assert signed_in_user_id(client) is None
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login"))


def test_two_wrong_codes_then_the_right_one_still_signs_in(known, mailoutbox):
    """The control for the test above: the limit is three, not fewer."""
    client = Client()
    client.post(reverse("account_login"), {"login": known.email}, **rotating())
    right = CODE.search(mailoutbox[-1].body).group(0)
    path = reverse("account_confirm_login_code")
    for _ in range(WRONG_CODES_PER_CODE - 1):
        client.post(path, {"code": "AAAA-AAAA" if right != "AAAA-AAAA" else "BBBB-BBBB"})

    client.post(path, {"code": right}, **rotating())

    assert signed_in_user_id(client) == str(known.pk)


# The wait list ---------------------------------------------------------------------------


@pytest.fixture
def waitlist_page(site_tree):
    return WaitListPageFactory(parent=site_tree["home"])


def join(page, email: str, headers: dict):
    data = {"name": "Ada", "email": email, "job_search_stage": "applying", "goals": "A plan."}
    return Client().post(page.url, data, **headers)


@pytest.mark.parametrize("proxies", [0, 1])
def test_wait_list_joins_from_one_visitor_are_refused_past_the_limit(
    waitlist_page, settings, proxies
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    headers = (lambda: behind_proxy(ATTACKER)) if proxies else rotating

    answers = [
        join(waitlist_page, f"person{n}@example.com", headers())
        for n in range(WAITLIST_JOINS_PER_IP_PER_HOUR + 1)
    ]

    assert [a.status_code for a in answers[:-1]] == [302] * WAITLIST_JOINS_PER_IP_PER_HOUR
    assert answers[-1].status_code == 429
    assert WaitListEntry.objects.count() == WAITLIST_JOINS_PER_IP_PER_HOUR


def test_wait_list_joins_for_one_address_are_refused_past_the_limit_from_anywhere(
    waitlist_page, mailoutbox, django_capture_on_commit_callbacks
):
    answers = []
    for n in range(WAITLIST_JOINS_PER_EMAIL_PER_HOUR + 1):
        with django_capture_on_commit_callbacks(execute=True):
            headers = rotating(REMOTE_ADDR=f"203.0.113.{n + 1}")
            answers.append(
                join(waitlist_page, " Ada@Example.com" if n % 2 else "ada@example.com", headers)
            )

    assert [a.status_code for a in answers[:-1]] == [302] * WAITLIST_JOINS_PER_EMAIL_PER_HOUR
    assert answers[-1].status_code == 429
    assert WaitListEntry.objects.count() == 1
    assert len(mailoutbox) == WAITLIST_JOINS_PER_EMAIL_PER_HOUR
