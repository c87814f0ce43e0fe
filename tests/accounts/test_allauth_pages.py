"""allauth's pages a learner can reach are the site's own: its words, in sentence case."""

import re
from pathlib import Path

import allauth
import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test.signals import template_rendered
from django.urls import NoReverseMatch, get_resolver, reverse

from tests.accounts.test_sign_in_codes import CODE, code_in, text
from tests.factories import (
    TEST_TOTP_SECRET,
    UserFactory,
    give_authenticator,
    sign_in_to_admin,
    totp_code,
)

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


def new_learner(**kwargs):
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
    admin = with_password(new_learner(is_staff=True, is_superuser=True))
    give_authenticator(admin)
    return admin


PEOPLE = {
    "anonymous": lambda: None,
    "learner": new_learner,
    "learner with a password": lambda: with_password(new_learner()),
    "admin with an authenticator": admin_with_authenticator,
}


@pytest.mark.parametrize("who", PEOPLE)
def test_no_allauth_url_shows_a_stock_page(site_tree, client, who):
    user = PEOPLE[who]()
    if user is not None and user.is_superuser:
        sign_in_to_admin(client, user)
    elif user is not None:
        client.force_login(user)
    stock_templates = []

    def record(sender, template, context, **kwargs):
        origin = getattr(getattr(template, "origin", None), "name", "") or ""
        if origin.startswith(str(ALLAUTH_TEMPLATES)) and not PASS_THROUGH.match(template.name):
            stock_templates.append(template.name)

    problems = []
    template_rendered.connect(record)
    try:
        for name in allauth_names():
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue  # needs a key from an email: tested with its flow
            stock_templates.clear()
            response = client.get(url, follow=True)
            html = response.content.decode()
            if response.status_code != 200:
                problems.append(f"{name}: answers {response.status_code}")
            elif response.get("Content-Type", "").startswith("text/html"):
                if 'class="site-header' not in html:
                    problems.append(f"{name}: no site header")
                stock = [phrase for phrase in STOCK if phrase in html]
                if stock or stock_templates:
                    problems.append(f"{name}: {stock} {sorted(set(stock_templates))}")
    finally:
        template_rendered.disconnect(record)

    assert problems == []


def test_an_inactive_account_gets_kind_words_and_a_way_to_reach_the_coach(db, client):
    page = text(client.get(reverse("account_inactive")))

    assert "Your account is switched off" in page
    assert "hello@coachhouse.localhost" in page


# Reauthentication -----------------------------------------------------------------------------


def test_a_learner_without_a_password_has_nothing_to_confirm_and_goes_on(db, client):
    client.force_login(new_learner())

    for name in ("account_reauthenticate", "mfa_reauthenticate"):
        response = client.get(reverse(name) + "?next=/account/")

        assert response.status_code == 302, name
        assert response["Location"] == "/account/"


def test_a_person_with_a_password_confirms_it_on_the_sites_page(db, client):
    user = with_password(new_learner())
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
    client.force_login(new_learner())
    assert client.get(reverse(name))["Location"] == reverse("accounts:account")

    editor = with_password(new_learner(is_staff=True, is_superuser=True))
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


# Changing the email address -------------------------------------------------------------------


def ask_to_change(client, email: str):
    return client.post(reverse("account_email"), {"email": email, "action_add": ""})


def test_the_email_page_shows_the_one_address_and_how_a_change_works(db, client):
    client.force_login(new_learner(email="old@example.com"))

    response = client.get(reverse("account_email"))
    page = text(response)

    assert "Change your email address" in page
    assert "You sign in with old@example.com" in page
    assert "I’ll send a code to the new address" in page
    assert "Make Primary" not in page and "Remove" not in page


def test_changing_the_email_address_with_a_code_moves_the_account_to_it(db, client, mailoutbox):
    user = new_learner(email="old@example.com")
    client.force_login(user)

    response = ask_to_change(client, "New@Example.com")

    assert response.status_code == 302
    code_page = response["Location"]
    [message] = mailoutbox
    assert message.to == ["new@example.com"]
    page = text(client.get(code_page))
    assert "I’ve sent a code to new@example.com" in page
    assert "Until you type it, you still sign in with old@example.com" in page
    user.refresh_from_db()
    assert user.email == "old@example.com"  # the old address stays until the code
    pending = text(client.get(reverse("account_email")))
    assert "You asked to change it to new@example.com" in pending

    response = client.post(code_page, {"code": code_in(message)}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_email")
    assert "Done: you now sign in with new@example.com" in text(response)
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("new@example.com", True)
    ]
    for name in ("accounts:dashboard", "accounts:account"):
        assert client.get(reverse(name)).status_code == 200
    client.post(reverse("account_logout"))
    mailoutbox.clear()
    client.post(reverse("account_request_login_code"), {"email": "old@example.com"})
    client.post(reverse("account_request_login_code"), {"email": "new@example.com"})
    codes_to = [m.to[0] for m in mailoutbox if CODE.search(m.body)]
    assert codes_to == ["new@example.com"]  # the old address no longer signs in


def test_sending_the_code_again_and_cancelling_a_change(db, client, mailoutbox):
    user = new_learner(email="old@example.com")
    client.force_login(user)
    code_page = ask_to_change(client, "new@example.com")["Location"]

    cache.clear()  # allauth sends an address one code per 10 seconds
    client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})
    assert [m.to for m in mailoutbox] == [["new@example.com"], ["new@example.com"]]

    response = client.post(reverse("account_email"), {"action_cancel": ""}, follow=True)

    assert "You still sign in with old@example.com" in text(response)
    assert "You asked to change it" not in text(response)
    # The code that was sent no longer changes anything.
    response = client.post(code_page, {"code": code_in(mailoutbox[-1])})
    assert response["Location"] == reverse("account_email")
    user.refresh_from_db()
    assert user.email == "old@example.com"


def test_changing_to_an_address_another_account_has_changes_nothing_and_says_so(
    db, client, mailoutbox
):
    user = new_learner(email="old@example.com")
    UserFactory(email="taken@example.com")  # an account made in the admin: no EmailAddress row
    client.force_login(user)
    code_page = ask_to_change(client, "taken@example.com")["Location"]

    response = client.post(code_page, {"code": code_in(mailoutbox[-1])}, follow=True)

    assert response.status_code == 200
    assert "That address belongs to another account here" in text(response)
    user.refresh_from_db()
    assert user.email == "old@example.com"
