"""The Wagtail admin's sign-in refuses password guessing, by address and by account.

The limits live in the cache: Redis when REDIS_URL is set (as in CI), so this runs against a
real Redis there, and local memory otherwise.
"""

import os

import pytest
from bs4 import BeautifulSoup
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from coachhouse import admin_login
from tests.factories import TEST_TOTP_SECRET, give_authenticator, totp_code

EDITOR_EMAIL = "coach@example.com"
PASSWORD = "the-right-password"  # noqa: S105 - a test-only password
PER_IP = int(admin_login.RATE_PER_IP.split("/")[0])
PER_USERNAME_AND_IP = int(admin_login.RATE_PER_USERNAME_AND_IP.split("/")[0])

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_superuser(email=EDITOR_EMAIL, password=PASSWORD)
    give_authenticator(user)
    return user


def sign_in(client, username: str, password: str, **headers):
    return client.post("/admin/login/", {"username": username, "password": password}, **headers)


def message_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").select_one(".messages").get_text()


def test_the_limits_are_counted_in_redis_whenever_redis_url_is_set():
    """So in CI (REDIS_URL set) every test below runs against a real Redis."""
    expected = RedisCache if os.environ.get("REDIS_URL") else LocMemCache

    assert isinstance(caches["default"], expected)


def test_the_right_password_and_code_sign_the_editor_in(client, editor):
    response = sign_in(client, EDITOR_EMAIL, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/")["Location"] == "/admin/2fa/?next=%2Fadmin%2F"
    code = totp_code(TEST_TOTP_SECRET)
    assert client.post("/admin/2fa/", {"code": code, "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_guessing_one_accounts_password_is_refused_past_the_limit_even_when_right(client, editor):
    for _ in range(PER_USERNAME_AND_IP):
        assert sign_in(client, EDITOR_EMAIL, "a-wrong-guess").status_code == 200

    refused = sign_in(client, EDITOR_EMAIL, PASSWORD)

    assert refused.status_code == 429
    assert "Too many sign-in attempts" in message_of(refused)
    assert int(refused["Retry-After"]) > 0
    # The page is still the sign-in form, not an error page, and nobody was signed in.
    assert BeautifulSoup(refused.content, "html.parser").select_one("form.login-form")
    assert client.get("/admin/").status_code == 302


def test_the_account_limit_from_one_address_holds_for_any_spelling(client, settings, editor):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    spellings = [EDITOR_EMAIL, EDITOR_EMAIL.upper(), f"  {EDITOR_EMAIL} "]
    for n in range(PER_USERNAME_AND_IP):
        response = sign_in(client, spellings[n % len(spellings)], "a-wrong-guess")
        assert response.status_code == 200

    assert sign_in(client, EDITOR_EMAIL, PASSWORD).status_code == 429


def test_guesses_from_other_addresses_never_lock_the_owner_out(client, settings, editor):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for n in range(PER_USERNAME_AND_IP * 4):
        response = sign_in(
            client, EDITOR_EMAIL, "a-wrong-guess", REMOTE_ADDR=f"198.51.100.{n % 4 + 1}"
        )
        assert response.status_code in (200, 429)

    assert sign_in(client, EDITOR_EMAIL, PASSWORD, REMOTE_ADDR="203.0.113.99").status_code == 302


def test_one_address_trying_many_accounts_is_refused_past_the_limit(client, editor):
    statuses = [
        sign_in(client, f"someone{n}@example.com", "a-guess").status_code for n in range(PER_IP)
    ]

    refused = sign_in(client, EDITOR_EMAIL, PASSWORD)

    assert statuses == [200] * PER_IP
    assert refused.status_code == 429


def test_rotating_x_forwarded_for_resets_nothing_without_a_trusted_proxy(client, settings, editor):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for n in range(PER_IP):
        response = sign_in(
            client, f"someone{n}@example.com", "a-guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        )
        assert response.status_code == 200

    refused = sign_in(client, "fresh@example.com", "a-guess", HTTP_X_FORWARDED_FOR="192.0.2.250")

    assert refused.status_code == 429


def test_behind_a_proxy_forged_addresses_in_front_of_the_real_one_reset_nothing(
    client, settings, editor
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    real = "203.0.113.7"
    for n in range(PER_IP):
        # The visitor sends their own X-Forwarded-For; the proxy appends the address it saw.
        forwarded = f"192.0.2.{n}, {real}"
        response = sign_in(
            client, f"someone{n}@example.com", "a-guess", HTTP_X_FORWARDED_FOR=forwarded
        )
        assert response.status_code == 200

    refused = sign_in(
        client, "fresh@example.com", "a-guess", HTTP_X_FORWARDED_FOR=f"192.0.2.250, {real}"
    )
    someone_else = sign_in(client, EDITOR_EMAIL, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert refused.status_code == 429
    assert someone_else.status_code == 302


def test_looking_at_the_sign_in_page_counts_for_nothing(client, editor):
    for _ in range(PER_IP + 5):
        assert client.get("/admin/login/").status_code == 200

    assert sign_in(client, EDITOR_EMAIL, PASSWORD).status_code == 302
