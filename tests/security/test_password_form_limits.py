"""Finding 7 of issue 22: Wagtail's own password forms have limits, and an email task left
running by a worker that died is sent after all.

The admin's password reset (which mails someone) and the private-page and private-document
password forms (which can be guessed) took any number of posts; a `deliver_email` task whose
worker was killed stayed RUNNING forever, and its email was never sent.
"""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.tasks import deliver_email

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def is_the_sites_429(response) -> bool:
    page = response.content.decode()
    return (
        response.status_code == 429
        and int(response["Retry-After"]) > 0
        and "a lot of tries in a short time" in page
        and "site-header" in page  # the site's own layout, not a bare error
    )


def test_the_admin_password_reset_is_limited_per_address_and_per_account(db, mailoutbox):
    url = reverse("wagtailadmin_password_reset")
    one_place = Client(REMOTE_ADDR="203.0.113.5")
    answers = [one_place.post(url, {"email": f"p{n}@example.com"}) for n in range(11)]
    assert all(a.status_code == 302 for a in answers[:10])
    assert is_the_sites_429(answers[10])

    many_places = [
        Client(REMOTE_ADDR=f"198.51.100.{n}").post(url, {"email": "editor@example.com"})
        for n in range(4)
    ]
    assert [a.status_code for a in many_places[:3]] == [302] * 3
    assert is_the_sites_429(many_places[3])


def test_guessing_a_private_pages_password_is_limited(world, extra):
    restriction = extra["page_restriction"]
    url = reverse(
        "wagtailcore_authenticate_with_password", args=[restriction.pk, restriction.page_id]
    )
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    answers = [guesser.post(url, {"password": f"guess{n}", "return_url": "/"}) for n in range(21)]

    assert all(a.status_code == 200 for a in answers[:20])
    assert is_the_sites_429(answers[20])


def test_guessing_a_private_documents_password_is_limited(world, extra):
    restriction = extra["collection_restriction"]
    url = reverse("wagtaildocs_authenticate_with_password", args=[restriction.pk])
    guesser = Client(REMOTE_ADDR="203.0.113.10")
    answers = [guesser.post(url, {"password": f"guess{n}", "return_url": "/"}) for n in range(21)]

    assert is_the_sites_429(answers[20])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_email_whose_worker_died_is_sent_after_all(settings, mailoutbox):
    settings.TASKS = DATABASE_TASKS
    deliver_email.enqueue(to="sam@example.com", subject="Hello", text="Hi", html="", headers={})
    row = DBTaskResult.objects.get()
    # A worker claimed it an hour ago and was killed before it finished.
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING",
        started_at=timezone.now() - datetime.timedelta(hours=1),
        worker_ids=["dead-worker"],
    )

    call_command("run_periodic")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert [m.to for m in mailoutbox] == [["sam@example.com"]]
    assert DBTaskResult.objects.get(pk=row.pk).status == "SUCCESSFUL"
