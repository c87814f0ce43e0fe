"""allauth's pages a learner can reach are the site's own: its words, in sentence case."""

import re
from html import unescape
from pathlib import Path

import allauth
import pytest
from allauth.account.models import EmailAddress
from django.urls import get_resolver, reverse

from tests.factories import (
    TEST_TOTP_SECRET,
    UserFactory,
    give_authenticator,
    sign_in_to_admin,
    totp_code,
)

CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
PASSWORD = "a long passphrase here"  # noqa: S105 - a test-only password

# Phrases only allauth's stock templates use.
STOCK = [
    "Password Reset",
    "Change Password",
    "Set Password",
    "Sign Out",
    "Request Code",
    "Reset My Password",
    "Bad Token",
    "Please contact us",
    "The code expires shortly",
    "Other sign-in options",
    "Email Addresses",
    "Email Address",
    "Make Primary",
    "Re-send Verification",
    "Cancel Change",
    "Account Inactive",
    "Confirm Access",
    "Please reauthenticate",
    "Two-Factor Authentication",
    "Alternative options",
    "Use your password",
    "Use authenticator app or code",
    "Enter an authenticator code",
    "Enter Email Verification Code",
    "Recovery Codes",
    "Authenticator App",
    "Unable to confirm",
    "Confirmation email sent",
    "403 Forbidden",
]


def text(response) -> str:
    """The words on the page, roughly as a person reads them."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def code_in(message) -> str:
    return CODE.search(message.body).group(0)


@pytest.mark.parametrize(
    "name, signed_in",
    [
        ("account_signup", False),
        ("account_login", False),
        ("account_request_login_code", False),
        ("account_reset_password", False),
        ("account_reset_password_done", False),
        ("account_logout", True),
        ("account_set_password", True),
    ],
)
def test_allauths_pages_speak_in_the_sites_words(db, client, name, signed_in):
    if signed_in:
        user = UserFactory()
        user.set_unusable_password()  # as sign-up by code leaves it
        user.save()
        client.force_login(user)

    response = client.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header' in html
    assert [phrase for phrase in STOCK if phrase in html] == []


def test_change_password_speaks_in_the_sites_words(db, client):
    user = UserFactory()
    user.set_password("a long passphrase here")
    user.save()
    client.force_login(user)

    html = client.get(reverse("account_change_password")).content.decode()

    assert "Change your password" in html
    assert [phrase for phrase in STOCK if phrase in html] == []


# Every page allauth can show ------------------------------------------------------------------

ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"
# allauth's own pieces that only pass our page through: its layout chain (ours at the end,
# templates/allauth/layouts/base.html), empty `base_*` templates, and elements such as <h1>.
PASS_THROUGH = re.compile(r"^(allauth/(layouts|elements)/.*|(account|mfa)/base_[a-z_]+\.html)$")


def allauth_names() -> list[str]:
    keys = get_resolver().reverse_dict.keys()
    return sorted(
        key for key in keys if isinstance(key, str) and key.startswith(("account_", "mfa_"))
    )


def learner(**kwargs):
    """A learner as sign-up by code leaves them: a verified address, no password."""
    user = UserFactory(**kwargs)
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def admin_with_authenticator():
    admin = with_password(learner(is_staff=True, is_superuser=True))
    give_authenticator(admin)
    return admin


PEOPLE = {
    "anonymous": lambda: None,
    "learner": learner,
    "learner with a password": lambda: with_password(learner()),
    "admin with an authenticator": admin_with_authenticator,
}


def test_an_inactive_account_gets_kind_words_and_a_way_to_reach_the_coach(db, client):
    page = text(client.get(reverse("account_inactive")))

    assert "Your account is switched off" in page
    assert "hello@coachhouse.localhost" in page


# Reauthentication -----------------------------------------------------------------------------


def test_a_learner_without_a_password_has_nothing_to_confirm_and_goes_on(db, client):
    client.force_login(learner())

    for name in ("account_reauthenticate", "mfa_reauthenticate"):
        response = client.get(reverse(name) + "?next=/account/")

        assert response.status_code == 302, name
        assert response["Location"] == "/account/"


def test_a_person_with_a_password_confirms_it_on_the_sites_page(db, client):
    user = with_password(learner())
    client.force_login(user)

    page = text(client.get(reverse("account_reauthenticate")))
    assert "Confirm it’s you" in page
    assert [phrase for phrase in STOCK if phrase in page] == []

    response = client.post(
        reverse("account_reauthenticate") + "?next=/account/", {"password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"


def test_an_admin_can_confirm_with_the_authenticator_app_instead(db, client):
    sign_in_to_admin(client, admin_with_authenticator())

    password_page = text(client.get(reverse("account_reauthenticate")))
    assert "Confirm with your authenticator app instead" in password_page
    page = text(client.get(reverse("mfa_reauthenticate")))
    assert "Confirm it’s you" in page
    assert "Confirm with your password instead" in page
    assert [phrase for phrase in STOCK if phrase in page] == []

    response = client.post(
        reverse("mfa_reauthenticate") + "?next=/account/", {"code": totp_code(TEST_TOTP_SECRET)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"


# The second factor ----------------------------------------------------------------------------

MFA_MANAGEMENT = [
    "mfa_index",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
]


@pytest.mark.parametrize("name", MFA_MANAGEMENT)
def test_allauths_second_factor_pages_send_people_to_the_sites_own(db, client, name):
    client.force_login(learner())
    assert client.get(reverse(name))["Location"] == reverse("accounts:account")

    editor = with_password(learner(is_staff=True, is_superuser=True))
    client.force_login(editor)
    assert client.get(reverse(name))["Location"] == reverse("second-factor-setup")

    give_authenticator(editor)
    assert client.get(reverse(name))["Location"] == reverse("second-factor")


def test_an_admin_signing_in_with_a_code_gives_the_authenticator_code_on_the_sites_page(
    db, client, mailoutbox
):
    admin = admin_with_authenticator()
    client.post(reverse("account_request_login_code"), {"email": admin.email})
    response = client.post(reverse("account_confirm_login_code"), {"code": code_in(mailoutbox[-1])})
    assert response["Location"] == reverse("mfa_authenticate")

    response = client.get(reverse("mfa_authenticate"))
    page = text(response)
    html = response.content.decode()
    assert 'class="site-header' in html
    assert "Code from your authenticator app" in page
    assert [phrase for phrase in STOCK if phrase in html] == []
    assert 'name="code"' in html
    assert 'id="logout-from-stage"' in html

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(TEST_TOTP_SECRET)})
    assert response.status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 200
