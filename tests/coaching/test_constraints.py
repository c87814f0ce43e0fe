"""What the database itself refuses: a status no lifecycle knows, and a second paid Checkout
for one wait-list entry; and what paying does to the entry's other Checkouts at Stripe."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from coaching import tokens
from coaching.models import (
    CoachingPackage,
    CoachingSettings,
    Payment,
    WaitListEntry,
    WaitListEvent,
)
from tests.factories import CoachingPackageFactory, WaitListEntryFactory

WEBHOOK = "/stripe/webhook/"


def refused(queryset, **changes) -> bool:
    try:
        with transaction.atomic():
            queryset.update(**changes)
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db
def test_every_status_and_choice_column_refuses_a_value_outside_its_choices():
    entry = WaitListEntryFactory()
    package = CoachingPackageFactory()
    payment = Payment.objects.create(
        entry=entry, package=package, amount_minor=100, currency="gbp", stripe_session_id="cs_1"
    )
    CoachingSettings.load()
    event = WaitListEvent.objects.create(entry=entry, from_status="", to_status="unconfirmed")

    entries = WaitListEntry.objects.filter(pk=entry.pk)
    assert refused(entries, status="lost")
    assert refused(entries, job_search_stage="retired")
    assert refused(WaitListEvent.objects.filter(pk=event.pk), to_status="lost")
    assert refused(WaitListEvent.objects.filter(pk=event.pk), from_status="lost")
    assert refused(CoachingSettings.objects.all(), expired_invitation_policy="forget")
    assert refused(CoachingPackage.objects.filter(pk=package.pk), currency="xyz")
    assert refused(Payment.objects.filter(pk=payment.pk), status="maybe")
    assert refused(Payment.objects.filter(pk=payment.pk), currency="xyz")
    # The valid values still go in.
    assert not refused(entries, status="waiting")


@pytest.mark.django_db
def test_an_entry_can_have_only_one_paid_payment():
    entry = WaitListEntryFactory()
    package = CoachingPackageFactory()
    first, second = (
        Payment.objects.create(
            entry=entry, package=package, amount_minor=100, currency="gbp", stripe_session_id=sid
        )
        for sid in ("cs_first", "cs_second")
    )
    Payment.objects.filter(pk=first.pk).update(status="paid")

    assert refused(Payment.objects.filter(pk=second.pk), status="paid")
    assert not refused(Payment.objects.filter(pk=second.pk), status="refunded")


def _checkout(client, entry, package) -> Payment:
    token = tokens.make_token(entry, tokens.INVITATION)
    response = client.post(reverse("coaching:checkout", args=[token]), {"package": package.pk})
    assert response.status_code == 302
    return Payment.objects.get(entry=entry, package=package)


def _post(client, event):
    payload, header = event
    return client.post(
        WEBHOOK, data=payload, content_type="application/json", headers={"stripe-signature": header}
    )


@pytest.fixture
def two_checkouts(client, stripe_server, invited_entry, package):
    """The invited person opened Checkout for two packages (two tabs, or a change of mind)."""
    other_package = CoachingPackageFactory(name="Single session", sessions=1, price_minor=15000)
    return _checkout(client, invited_entry, package), _checkout(
        client, invited_entry, other_package
    )


def test_paying_one_checkout_expires_the_entrys_other_open_checkouts_at_stripe(
    client, stripe_server, invited_entry, two_checkouts, django_capture_on_commit_callbacks
):
    paid, other = two_checkouts

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, stripe_server.complete(paid.stripe_session_id, deliver=False))

    assert response.status_code == 200
    assert stripe_server.session(other.stripe_session_id)["status"] == "expired"
    other.refresh_from_db()
    assert other.status == Payment.Status.EXPIRED
    invited_entry.refresh_from_db()
    assert invited_entry.status == WaitListEntry.Status.BOOKED


def test_a_second_checkout_paid_before_it_could_be_expired_books_nobody_twice(
    client, stripe_server, invited_entry, two_checkouts, django_capture_on_commit_callbacks
):
    first, second = two_checkouts
    # Both paid at Stripe before either event arrived.
    first_event = stripe_server.complete(first.stripe_session_id, deliver=False)
    second_event = stripe_server.complete(second.stripe_session_id, deliver=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, first_event).status_code == 200
        assert _post(client, second_event).status_code == 200

    assert Payment.objects.filter(entry=invited_entry, status=Payment.Status.PAID).count() == 1
    bookings = WaitListEvent.objects.filter(entry=invited_entry, to_status="booked").count()
    assert bookings == 1
