"""Every change to the signed-in person shows on their next page, and a person deleted,
deactivated or given a new password elsewhere is signed out."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import User
from tests.factories import UserFactory, sign_in_to_admin

ACCOUNT_URL = reverse("accounts:account")


@pytest.fixture
def learner(db):
    return UserFactory(email="sam@example.com")


@pytest.fixture
def learner_client(learner):
    client = Client()
    client.force_login(learner)
    assert client.get(ACCOUNT_URL).status_code == 200
    return client


def reminders_ticked(client) -> bool:
    page = BeautifulSoup(client.get(ACCOUNT_URL).content, "html.parser")
    return page.find("input", attrs={"name": "course_reminders"}).has_attr("checked")


def test_a_changed_email_address_shows_on_the_next_page(learner_client, learner):
    learner.email = "sam.new@example.com"
    learner.save()

    assert "sam.new@example.com" in learner_client.get(ACCOUNT_URL).content.decode()


def test_reminders_turned_off_from_another_device_show_as_off(learner_client, learner):
    assert reminders_ticked(learner_client)

    # The unsubscribe link in an email, opened elsewhere: a bulk update, which sends no signal.
    services.user_set_course_emails(user=User.objects.get(pk=learner.pk), subscribed=False)

    assert not reminders_ticked(learner_client)


def test_a_person_deleted_is_signed_out(learner_client, learner):
    learner.delete()

    response = learner_client.get(ACCOUNT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_new_password_signs_out_the_other_sessions(db):
    editor = UserFactory(email="editor@example.com", is_staff=True, is_superuser=True)
    editor.set_password("an old password, long enough")
    editor.save()
    other_device = Client()
    sign_in_to_admin(other_device, editor)
    assert other_device.get(ACCOUNT_URL).status_code == 200

    editor.set_password("a new password, long enough")
    editor.save()

    assert other_device.get(ACCOUNT_URL).status_code == 302


def test_a_learner_marked_inactive_in_bulk_in_the_admin_is_signed_out(learner_client, learner):
    coach = UserFactory(email="coach@example.com", is_staff=True, is_superuser=True)
    admin = Client()
    sign_in_to_admin(admin, coach)
    url = (
        reverse("wagtail_bulk_action", args=["accounts", "user", "set_active_state"])
        + f"?next=/admin/users/&id={learner.pk}"
    )

    response = admin.post(url, {"mark_as_active": "False"})

    assert response.status_code == 302, response.content.decode()[:500]
    assert not User.objects.get(pk=learner.pk).is_active
    assert learner_client.get(ACCOUNT_URL).status_code == 302
