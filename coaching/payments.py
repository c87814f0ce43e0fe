"""Payments for coaching packages: Checkout, and fulfilment exactly once per session.

Stripe's events may arrive twice, concurrently or out of order, and the success page may
confirm a payment before its webhook does. Every path ends in `payment_fulfil`, which locks
the payment row and acts only on a payment still pending, so a person is booked once.
"""

import hashlib
import logging

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone

from coaching import emails, services, stripe_client
from coaching.models import CoachingPackage, Payment, StripeEvent, WaitListEntry

logger = logging.getLogger(__name__)

EntryStatus = WaitListEntry.Status


class CheckoutNotAllowed(Exception):
    """The invitation is not open, or the package is not on offer."""


def checkout_start(
    *, entry: WaitListEntry, package: CoachingPackage, success_url: str, cancel_url: str
) -> Payment:
    """Create (or reuse) a Checkout Session for the invited person and this package."""
    if entry.status != EntryStatus.INVITED:
        raise CheckoutNotAllowed("This invitation is no longer open.")
    if entry.invitation_expires_at and entry.invitation_expires_at < timezone.now():
        raise CheckoutNotAllowed("This invitation has expired.")
    if not package.active:
        raise CheckoutNotAllowed("That package is not available any more.")
    attempts = Payment.objects.filter(entry=entry, package=package).exclude(
        status=Payment.Status.PENDING
    )
    # The same invitation, package (as it reads now) and attempt always give the same key,
    # so a double click or a retried request returns the same session instead of opening a
    # second one; a package the coach has since edited gets a new session.
    package_version = hashlib.sha256(
        f"{package.name}|{package.sessions}|{package.price_minor}|{package.currency}".encode()
    ).hexdigest()[:12]
    idempotency_key = (
        f"coachhouse-checkout-{entry.pk}-{package.pk}-{package_version}-"
        f"{int(entry.invited_at.timestamp())}-{attempts.count()}"
    )
    session = stripe_client.checkout_session_create(
        email=entry.email,
        product_name=package.name,
        description=f"{package.sessions} coaching session{'s' if package.sessions != 1 else ''}",
        amount_minor=package.price_minor,
        currency=package.currency,
        client_reference_id=f"waitlist-entry-{entry.pk}",
        metadata={"waitlist_entry": str(entry.pk), "package": str(package.pk)},
        success_url=success_url,
        cancel_url=cancel_url,
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            payment, _ = Payment.objects.get_or_create(
                stripe_session_id=session.id,
                defaults={
                    "entry": entry,
                    "package": package,
                    "amount_minor": package.price_minor,
                    "currency": package.currency,
                    "checkout_url": session.url or "",
                },
            )
    except IntegrityError:
        payment = Payment.objects.get(stripe_session_id=session.id)
    return payment


def payment_confirm_from_session(*, payment: Payment) -> Payment:
    """The success page asks Stripe about a payment its webhook has not confirmed yet."""
    if payment.status != Payment.Status.PENDING:
        return payment
    session = stripe_client.checkout_session_retrieve(payment.stripe_session_id)
    if session.status == "expired":
        payment_mark_expired(session=session)
        payment.refresh_from_db()
        return payment
    return payment_fulfil(session=session) or payment


def payment_fulfil(*, session) -> Payment | None:
    """Book the person for a paid session. Safe to call any number of times, concurrently."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("entry", "package")
            .filter(stripe_session_id=session.id)
            .first()
        )
        if payment is None:
            logger.warning("Checkout Session %s is not one of ours; ignored.", session.id)
            return None
        if payment.status != Payment.Status.PENDING or session.payment_status != "paid":
            return payment
        payment.stripe_payment_intent_id = _id(session.payment_intent)
        payment.paid_at = timezone.now()
        if _refund_already_seen(payment.stripe_payment_intent_id):
            # The refund's event overtook the completion's: record both, book nobody.
            payment.status = Payment.Status.REFUNDED
            payment.refunded_at = payment.paid_at
            payment.save()
            return payment
        payment.status = Payment.Status.PAID
        try:
            with transaction.atomic():
                payment.save()
        except IntegrityError:
            # Another Checkout of this entry was paid first (one_paid_payment_per_entry): the
            # person is booked already, and this money is to be given back by the coach.
            logger.error(
                "Checkout Session %s was paid, but %s had paid already: refund payment intent "
                "%s from the Stripe dashboard.",
                session.id,
                payment.entry,
                payment.stripe_payment_intent_id,
            )
            payment.refresh_from_db()
            return payment
        transaction.on_commit(lambda: payment_expire_other_checkouts(payment=payment))
        try:
            services.waitlist_mark_booked(entry=payment.entry, note=f"paid: {payment.package.name}")
        except services.TransitionNotAllowed:
            logger.warning(
                "Payment %s received for %s, who is %s.",
                payment.pk,
                payment.entry,
                payment.entry.status,
            )
        emails.send_payment_receipt(payment)
    return payment


def payment_expire_other_checkouts(*, payment: Payment) -> int:
    """The entry has paid: close its other open Checkout Sessions at Stripe (another tab, an
    earlier package choice), so nobody can pay twice. Returns how many were closed."""
    closed = 0
    others = Payment.objects.filter(entry_id=payment.entry_id, status=Payment.Status.PENDING)
    for other in others.exclude(pk=payment.pk):
        try:
            session = stripe_client.checkout_session_expire(other.stripe_session_id)
        except stripe.StripeError as error:
            # Already expired, or completed meanwhile (its own event settles it); or Stripe
            # is unreachable, and the session lapses by itself within a day.
            logger.warning("Could not expire Checkout %s: %s", other.stripe_session_id, error)
            continue
        payment_mark_expired(session=session)
        closed += 1
    return closed


def payment_mark_failed(*, session) -> None:
    Payment.objects.filter(stripe_session_id=session.id, status=Payment.Status.PENDING).update(
        status=Payment.Status.FAILED
    )


def payment_mark_expired(*, session) -> None:
    Payment.objects.filter(stripe_session_id=session.id, status=Payment.Status.PENDING).update(
        status=Payment.Status.EXPIRED
    )


def payment_refunded(*, charge) -> None:
    """A full refund un-books the person; a partial one is left to the coach."""
    if not _refunded_in_full(charge):
        return
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("entry")
            .filter(stripe_payment_intent_id=_id(charge.payment_intent))
            .first()
        )
        if payment is None or payment.status != Payment.Status.PAID:
            return  # recorded as an event; `payment_fulfil` will see it
        payment.status = Payment.Status.REFUNDED
        payment.refunded_at = timezone.now()
        payment.save(update_fields=["status", "refunded_at"])
        try:
            services.waitlist_mark_refunded(entry=payment.entry, note="payment refunded")
        except services.TransitionNotAllowed:
            logger.warning("Refund for %s, who is %s.", payment.entry, payment.entry.status)


HANDLERS = {
    "checkout.session.completed": lambda obj: payment_fulfil(session=obj),
    "checkout.session.async_payment_succeeded": lambda obj: payment_fulfil(session=obj),
    "checkout.session.async_payment_failed": lambda obj: payment_mark_failed(session=obj),
    "checkout.session.expired": lambda obj: payment_mark_expired(session=obj),
    "charge.refunded": lambda obj: payment_refunded(charge=obj),
}

_ID = (str,)
_OPTIONAL_ID = (str, dict, type(None))
_SESSION_PAID = {"id": _ID, "payment_status": (str,), "payment_intent": _OPTIONAL_ID}
# What each handler reads from the event's object, and the types it can read them as.
EXPECTED_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "checkout.session.completed": _SESSION_PAID,
    "checkout.session.async_payment_succeeded": _SESSION_PAID,
    "checkout.session.async_payment_failed": {"id": _ID},
    "checkout.session.expired": {"id": _ID},
    "charge.refunded": {
        "payment_intent": _OPTIONAL_ID,
        "amount": (int,),
        "amount_refunded": (int,),
    },
}


def event_problem(event_type: str, fields: dict) -> str:
    """Why the handler for this event cannot read its object's `fields`, or "" if it can."""
    for name, types in EXPECTED_FIELDS.get(event_type, {}).items():
        value = fields.get(name)
        # bool is an int to Python, never an amount to Stripe.
        if not isinstance(value, types) or isinstance(value, bool):
            return f"{event_type} without a usable {name!r}"
        if isinstance(value, str) and len(value) > stripe_client.MAX_ID_LENGTH:
            return f"{event_type} with an over-long {name!r}"
    return ""


def stripe_event_handle(*, event) -> str:
    """Record the event once and act on it. Returns "handled", "duplicate" (this event id was
    seen before) or "ignored" (recorded, but its object is not a shape we can act on).

    The record and the handling share one transaction: if handling fails, the event is not
    recorded, Stripe retries it, and the retry is handled afresh. An event we cannot read is
    recorded and logged instead: a retry would bring the same bytes, and an answer of 500 would
    make Stripe retry for days.
    """
    obj = event.data.object
    fields = obj.to_dict()
    problem = event_problem(event.type, fields)
    object_id = fields.get("id")
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(
                    event_id=event.id,
                    type=event.type,
                    object_id=object_id[:255] if isinstance(object_id, str) else "",
                    payment_intent_id=""
                    if problem
                    else _id(fields.get("payment_intent"))[: stripe_client.MAX_ID_LENGTH],
                    refunded_in_full=_refunded_in_full(obj)
                    if event.type == "charge.refunded" and not problem
                    else None,
                )
        except IntegrityError:
            return "duplicate"
        if problem:
            logger.error("Stripe event %s ignored: %s.", event.id, problem)
            return "ignored"
        handler = HANDLERS.get(event.type)
        if handler:
            handler(obj)
    return "handled"


def _refunded_in_full(charge) -> bool:
    return charge.amount_refunded >= charge.amount


def _refund_already_seen(payment_intent_id: str) -> bool:
    """A full refund of this payment arrived before its completion did."""
    return (
        bool(payment_intent_id)
        and StripeEvent.objects.filter(
            type="charge.refunded", payment_intent_id=payment_intent_id, refunded_in_full=True
        ).exists()
    )


def _id(value) -> str:
    """Stripe fields may hold an id or an expanded object (or its dict)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value.get("id")
        return value if isinstance(value, str) else ""
    return value if isinstance(value, str) else getattr(value, "id", "") or ""
