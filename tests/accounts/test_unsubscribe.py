"""One-click unsubscribe from course reminders: works from the email, without signing in."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tokens import unsubscribe_token
from course.models import Enrolment
from course.nudges import nudges_send
from tests.factories import UserFactory


def unsubscribe_url(user) -> str:
    return reverse("accounts:unsubscribe", args=[unsubscribe_token(user)])


@pytest.fixture
def strict_client():
    """A mail provider or a browser with no session: CSRF checks are on, as in production."""
    return Client(enforce_csrf_checks=True)


def test_get_shows_a_confirm_button_and_changes_nothing(learner, strict_client):
    response = strict_client.get(unsubscribe_url(learner))
    learner.refresh_from_db()

    assert response.status_code == 200
    assert "Unsubscribe me" in response.content.decode()
    assert learner.email in response.content.decode()
    assert learner.course_emails_unsubscribed_at is None


def test_post_unsubscribes_without_a_session_or_csrf_token(learner, strict_client):
    response = strict_client.post(unsubscribe_url(learner))
    learner.refresh_from_db()

    assert response.status_code == 200
    assert "You’re unsubscribed" in response.content.decode()
    assert learner.course_emails_unsubscribed_at is not None


def test_rfc_8058_one_click_post_unsubscribes(learner, strict_client):
    response = strict_client.post(
        unsubscribe_url(learner),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    learner.refresh_from_db()

    assert response.status_code == 200
    assert learner.course_emails_unsubscribed_at is not None


def test_unsubscribing_twice_keeps_the_first_time(learner, strict_client):
    strict_client.post(unsubscribe_url(learner))
    learner.refresh_from_db()
    first = learner.course_emails_unsubscribed_at

    strict_client.post(unsubscribe_url(learner))
    learner.refresh_from_db()

    assert learner.course_emails_unsubscribed_at == first
    assert "already unsubscribed" in strict_client.get(unsubscribe_url(learner)).content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_token_is_404(learner, strict_client, method):
    token = unsubscribe_token(learner)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_salt = reverse("accounts:unsubscribe", args=["eyJpZCI6MX0:forged:signature"])

    assert getattr(strict_client, method)(f"/unsubscribe/{forged}/").status_code == 404
    assert getattr(strict_client, method)(other_salt).status_code == 404
    learner.refresh_from_db()
    assert learner.course_emails_unsubscribed_at is None


def test_a_deleted_account_s_link_is_404(learner, strict_client):
    url = unsubscribe_url(learner)
    learner.delete()

    assert strict_client.get(url).status_code == 404


def test_another_persons_token_unsubscribes_only_them(learner, strict_client):
    other = UserFactory()

    strict_client.post(unsubscribe_url(other))
    learner.refresh_from_db()

    assert learner.course_emails_unsubscribed_at is None


def test_the_link_in_a_reminder_stops_further_reminders(
    learner, strict_client, mailoutbox, django_capture_on_commit_callbacks
):
    enrolled_at = datetime.datetime(2025, 5, 12, 8, 0, tzinfo=datetime.UTC)
    Enrolment.objects.filter(user=learner).update(enrolled_at=enrolled_at)
    with django_capture_on_commit_callbacks(execute=True):
        nudges_send(now=enrolled_at + datetime.timedelta(days=3))
    [message] = mailoutbox
    link = re.match(
        r"<http://testserver(/unsubscribe/.+/)>", message.extra_headers["List-Unsubscribe"]
    )

    assert (
        strict_client.post(
            link.group(1),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        ).status_code
        == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = nudges_send(now=enrolled_at + datetime.timedelta(days=20))
    assert run.sent_total == 0
    assert len(mailoutbox) == 1


def test_the_account_page_turns_reminders_back_on(learner, client):
    client.force_login(learner)
    client.post(unsubscribe_url(learner))
    learner.refresh_from_db()
    assert learner.course_emails_unsubscribed_at is not None

    client.post(reverse("accounts:account"), {"course_reminders": "on"})
    learner.refresh_from_db()

    assert learner.course_emails_unsubscribed_at is None
