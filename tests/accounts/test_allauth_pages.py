"""allauth's pages a learner can reach are the site's own: its words, in sentence case."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

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
