"""Finding 3 of issue 22: nobody can lock a named person out, and a password alone never
opens the admin.

Five wrong passwords for the editor from any addresses locked the real editor out for minutes.
Now guesses count per address, and per account from each address; and everyone who can use the
admin gives a code from an authenticator app (allauth's TOTP) after their password.
"""

import pytest
from django.test import Client

from tests.factories import give_authenticator, totp_code

EDITOR = "editor@example.com"
PASSWORD = "the editor's own long passphrase"
HER_ADDRESS = "192.0.2.10"

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_superuser(email=EDITOR, password=PASSWORD)
    return user, give_authenticator(user)


def sign_in(client, password, address, username=EDITOR):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_fifty_wrong_passwords_from_ten_addresses_do_not_lock_the_editor_out(editor):
    _, secret = editor
    for n in range(50):
        sign_in(Client(), f"guess {n}", f"203.0.113.{n % 10 + 1}")

    client = Client(REMOTE_ADDR=HER_ADDRESS)
    response = sign_in(client, PASSWORD, HER_ADDRESS)
    assert response.status_code == 302
    second = client.get(response["Location"])  # the admin asks for her code
    assert second.status_code == 302
    assert second["Location"].startswith("/admin/2fa/")
    response = client.post(second["Location"], {"code": totp_code(secret)})

    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert "Dashboard" in client.get("/admin/").content.decode()


def test_the_attackers_own_address_is_refused_after_its_tries(editor):
    attacker = Client()
    statuses = [sign_in(attacker, f"guess {n}", "203.0.113.66").status_code for n in range(6)]

    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429


def test_the_right_password_alone_does_not_open_the_admin(editor):
    client = Client()
    assert sign_in(client, PASSWORD, HER_ADDRESS).status_code == 302

    for path in ("/admin/", "/admin/pages/", "/admin/users/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/2fa/"), path


def test_a_wrong_code_is_refused_and_guessing_codes_is_limited(editor):
    client = Client()
    sign_in(client, PASSWORD, HER_ADDRESS)

    statuses = [client.post("/admin/2fa/", {"code": f"{n:06d}"}).status_code for n in range(11)]

    assert set(statuses[:10]) == {400}
    assert statuses[10] == 429
    assert client.get("/admin/").status_code == 302


def test_an_admin_user_without_an_authenticator_is_walked_through_setting_one_up(
    django_user_model,
):
    django_user_model.objects.create_superuser(email="new@example.com", password=PASSWORD)
    client = Client()
    sign_in(client, PASSWORD, HER_ADDRESS, username="new@example.com")

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/admin/2fa/setup/")
    page = response.content.decode()
    assert "Protect your admin account" in page and "<svg" in page
    secret = client.session["admin_second_factor_pending_secret"]
    done = client.post("/admin/2fa/setup/", {"code": totp_code(secret), "next": "/admin/"})
    assert done.status_code == 200
    assert "recovery codes" in done.content.decode()
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_works_once_in_place_of_the_app(editor):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user, _ = editor
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    first, second = Client(), Client()
    for client in (first, second):
        sign_in(client, PASSWORD, HER_ADDRESS)

    assert first.post("/admin/2fa/", {"code": code}).status_code == 302
    assert second.post("/admin/2fa/", {"code": code}).status_code == 400
    assert first.get("/admin/").status_code == 200
