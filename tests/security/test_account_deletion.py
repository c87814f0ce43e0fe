"""Finding 1 of issue 22: deleting an account leaves nothing that names the person.

After "Delete my account", every row of every model (task rows and sessions included) is
searched for the person's address, name and goals; only the payment survives, anonymised but
for its amount, date and Stripe ids, and the confirmation page says so and why.
"""

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.tasks import deliver_email
from coaching import emails as coaching_emails
from coaching import tokens
from coaching.models import Payment, WaitListEntry
from tests.security.conftest import OWNER_EMAIL, OWNER_GOALS, OWNER_NAME

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def rows_mentioning(needle: str) -> list[str]:
    """Every (model, field) whose stored value contains `needle`, sessions decoded."""
    needle = needle.lower()
    found = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._base_manager.values_list("pk", *fields):
            for name, value in zip(fields, row[1:], strict=True):
                if value is not None and needle in str(value).lower():
                    found.append(f"{model._meta.label}.{name} (pk {row[0]})")
    for session in Session.objects.all():
        if needle in str(SessionStore().decode(session.session_data)).lower():
            found.append(f"session {session.session_key[:6]}…")
    return found


@pytest.fixture
def owner_with_history(world, settings):
    """The owner joined the wait list signed out (the entry is theirs by address only), has
    paid for coaching, and has emails still waiting for the worker."""
    settings.TASKS = DATABASE_TASKS
    entry = world.entry
    WaitListEntry.objects.filter(pk=entry.pk).update(user=None)
    coaching_emails.send_confirmed(entry)  # a task row addressed to them, not yet delivered
    deliver_email.enqueue(to=OWNER_EMAIL, subject="Hi", text=OWNER_NAME, html="", headers={})
    payment = Payment.objects.create(
        entry=entry,
        package=world.package,
        amount_minor=45000,
        currency="gbp",
        status=Payment.Status.PAID,
        stripe_session_id="cs_test_owner_paid",
        stripe_payment_intent_id="pi_owner_paid",
    )
    assert DBTaskResult.objects.exists()
    return payment


def test_deleting_an_account_leaves_no_row_that_names_the_person(
    world, owner_with_history, client_for
):
    client = client_for("owner")
    assert rows_mentioning(OWNER_EMAIL)  # the search does find them before

    response = client.post(reverse("accounts:delete"), {"confirm": "DELETE"}, follow=True)

    assert response.status_code == 200
    for needle in (OWNER_EMAIL, OWNER_NAME, OWNER_GOALS):
        assert rows_mentioning(needle) == [], needle


def test_the_payment_is_kept_for_the_law_without_the_person(world, owner_with_history, client_for):
    client_for("owner").post(reverse("accounts:delete"), {"confirm": "DELETE"})

    payment = Payment.objects.get(pk=owner_with_history.pk)
    assert (payment.amount_minor, payment.currency, payment.status) == (45000, "gbp", "paid")
    assert payment.stripe_session_id == "cs_test_owner_paid"
    assert payment.stripe_payment_intent_id == "pi_owner_paid"
    assert payment.paid_at is None or payment.paid_at
    entry = WaitListEntry.objects.get(pk=payment.entry_id)
    assert entry.user_id is None
    assert OWNER_EMAIL not in entry.email and OWNER_NAME not in entry.name
    assert entry.goals == ""


def test_the_confirmation_says_what_was_kept_and_why(world, owner_with_history, client_for):
    response = client_for("owner").post(
        reverse("accounts:delete"), {"confirm": "DELETE"}, follow=True
    )

    page = response.content.decode()
    assert "everything has been deleted" not in page.lower()
    assert "1 payment" in page
    assert "amount" in page and "date" in page
    assert "tax" in page.lower()  # why
    assert "wait list" in page.lower()


def test_an_account_with_nothing_to_keep_says_nothing_was_kept(world, client_for):
    response = client_for("other").post(
        reverse("accounts:delete"), {"confirm": "DELETE"}, follow=True
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was kept" in page
    assert rows_mentioning("someone.else@example.com") == []


def test_the_old_status_link_opens_nothing_after_deletion(world, owner_with_history, client_for):
    entry = WaitListEntry.objects.get(pk=owner_with_history.entry_id)
    status_url = reverse("coaching:status", args=[tokens.make_token(entry, tokens.STATUS)])
    assert Client().get(status_url).status_code == 200

    client_for("owner").post(reverse("accounts:delete"), {"confirm": "DELETE"})

    assert Client().get(status_url).status_code == 404
