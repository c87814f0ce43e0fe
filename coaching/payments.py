"""Payments for coaching packages and paid courses: Checkout, and fulfilment exactly once
per session.

Stripe's events may arrive twice, concurrently or out of order, and the success page may
confirm a payment before its webhook does. Every path ends in `payment_fulfil`, which locks
the payment row and acts only on a payment still pending, so a person is booked once.
"""

import hashlib
import logging

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone

from coachhouse import stripe_client
from coaching import emails, services
from coaching.models import CoachingPackage, Payment, PaymentSettings, StripeEvent, WaitListEntry
from course import services as course_services
from course.models import CourseOrder, CoursePage
from course.selectors import course_paid_for

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
    shop = PaymentSettings.load()
    package_version = hashlib.sha256(
        f"{package.name}|{package.sessions}|{package.price_minor}|{package.currency}|"
        f"{package.allow_promotion_codes}|{shop.stripe_tax}|{shop.create_invoices}".encode()
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
        allow_promotion_codes=package.allow_promotion_codes,
        automatic_tax=shop.stripe_tax,
        create_invoice=shop.create_invoices,
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


def course_checkout_start(
    *, user, course: CoursePage, success_url: str, cancel_url: str
) -> CourseOrder:
    """Create (or reuse) a Checkout Session for the learner to buy the course."""
    if course.is_free:
        raise CheckoutNotAllowed("This course is free: start it from its page.")
    if course_paid_for(user=user, course=course):
        raise CheckoutNotAllowed("This course is yours already.")
    attempts = CourseOrder.objects.filter(user=user, course=course).exclude(
        status=CourseOrder.Status.PENDING
    )
    # As for packages: a double click gets the same session, an edited price a new one.
    shop = PaymentSettings.load()
    course_version = hashlib.sha256(
        f"{course.title}|{course.price_minor}|{course.currency}|"
        f"{course.allow_promotion_codes}|{shop.stripe_tax}|{shop.create_invoices}".encode()
    ).hexdigest()[:12]
    idempotency_key = f"coachhouse-course-{course.pk}-{user.pk}-{course_version}-{attempts.count()}"
    currency = course.currency.lower()
    session = stripe_client.checkout_session_create(
        email=user.email,
        product_name=course.title,
        description="Online course",
        amount_minor=course.price_minor,
        currency=currency,
        client_reference_id=f"course-{course.pk}-learner-{user.pk}",
        metadata={"course": str(course.pk), "learner": str(user.pk)},
        success_url=success_url,
        cancel_url=cancel_url,
        idempotency_key=idempotency_key,
        allow_promotion_codes=course.allow_promotion_codes,
        automatic_tax=shop.stripe_tax,
        create_invoice=shop.create_invoices,
    )
    try:
        with transaction.atomic():
            order, _ = CourseOrder.objects.get_or_create(
                stripe_session_id=session.id,
                defaults={
                    "user": user,
                    "course": course,
                    "amount_minor": course.price_minor,
                    "currency": currency,
                    "checkout_url": session.url or "",
                },
            )
    except IntegrityError:
        order = CourseOrder.objects.get(stripe_session_id=session.id)
    return order


def course_order_confirm_from_session(*, order: CourseOrder) -> CourseOrder:
    """The course's success page asks Stripe about an order its webhook has not confirmed."""
    if order.status != CourseOrder.Status.PENDING:
        return order
    session = stripe_client.checkout_session_retrieve(order.stripe_session_id)
    if session.status == "expired":
        payment_mark_expired(session=session)
        order.refresh_from_db()
        return order
    return course_order_fulfil(session=session) or order


def course_order_fulfil(*, session) -> CourseOrder | None:
    """Let the learner into the course they paid for. Safe to call any number of times,
    concurrently: the order's row is locked and only a pending order is acted on."""
    with transaction.atomic():
        order = (
            # Only the order's row: its learner may be gone (SET_NULL), and PostgreSQL locks
            # nothing on the nullable side of an outer join.
            CourseOrder.objects.select_for_update(of=("self",))
            .select_related("user", "course")
            .filter(stripe_session_id=session.id)
            .first()
        )
        if order is None:
            return None
        if order.status != CourseOrder.Status.PENDING or not _settled(session):
            return order
        _record_what_was_paid(order, session)
        payment_intent_id = _id(session.payment_intent)
        if _refund_already_seen(payment_intent_id):
            # The refund's event overtook the completion's: record both, let nobody in.
            order.status = CourseOrder.Status.REFUNDED
            order.stripe_payment_intent_id = payment_intent_id
            order.amount_refunded_minor = order.amount_minor
            order.paid_at = order.refunded_at = timezone.now()
            order.save()
            return order
        if course_services.order_paid(order=order, payment_intent_id=payment_intent_id):
            transaction.on_commit(lambda: course_order_expire_others(order=order))
        else:
            logger.error(
                "Checkout Session %s was paid, but %s had paid for %s already: refund payment "
                "intent %s from the Stripe dashboard.",
                session.id,
                order.user,
                order.course,
                payment_intent_id,
            )
    return order


def course_order_expire_others(*, order: CourseOrder) -> int:
    """The course is paid for: close the learner's other open Checkouts of it."""
    closed = 0
    others = CourseOrder.objects.filter(
        user_id=order.user_id, course_id=order.course_id, status=CourseOrder.Status.PENDING
    )
    for other in others.exclude(pk=order.pk):
        try:
            session = stripe_client.checkout_session_expire(other.stripe_session_id)
        except stripe.StripeError as error:
            logger.warning("Could not expire Checkout %s: %s", other.stripe_session_id, error)
            continue
        payment_mark_expired(session=session)
        closed += 1
    return closed


def checkout_fulfil(*, session):
    """A paid Checkout Session: a course's, or a coaching package's."""
    if CourseOrder.objects.filter(stripe_session_id=session.id).exists():
        return course_order_fulfil(session=session)
    return payment_fulfil(session=session)


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
        if payment.status != Payment.Status.PENDING or not _settled(session):
            return payment
        _record_what_was_paid(payment, session)
        payment.stripe_payment_intent_id = _id(session.payment_intent)
        payment.paid_at = timezone.now()
        if _refund_already_seen(payment.stripe_payment_intent_id):
            # The refund's event overtook the completion's: record both, book nobody.
            payment.status = Payment.Status.REFUNDED
            payment.amount_refunded_minor = payment.amount_minor
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
    """A Checkout (a package's or a course's) whose delayed payment failed."""
    for model in (Payment, CourseOrder):
        model.objects.filter(stripe_session_id=session.id, status=model.Status.PENDING).update(
            status=model.Status.FAILED
        )


def payment_mark_expired(*, session) -> None:
    """A Checkout (a package's or a course's) that lapsed or was closed unpaid."""
    for model in (Payment, CourseOrder):
        model.objects.filter(stripe_session_id=session.id, status=model.Status.PENDING).update(
            status=model.Status.EXPIRED
        )


class RefundNotAllowed(Exception):
    """Why this refund cannot be made, in words for the coach."""


def refund_issue(
    *, record: Payment | CourseOrder, amount_minor: int, reason: str, note: str, seen_refunded: int
) -> Payment | CourseOrder:
    """The coach refunds all or part of a paid package or course from the admin.

    The row is locked while Stripe is asked, and `seen_refunded` is what had been refunded when
    the coach opened the form: a second press, or a refund that came in meanwhile (from the
    dashboard, through the webhook), is refused rather than refunded twice. A retry after a
    crash between Stripe's answer and the commit sends the same idempotency key, and Stripe
    answers with the refund it made. Stripe's `charge.refunded` then settles the state: a full
    refund un-books the person or ends the learner's access (`payment_refunded`).
    """
    if reason not in stripe_client.REFUND_REASONS:
        raise RefundNotAllowed("Choose one of the reasons offered.")
    model = type(record)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=record.pk)
        if locked.amount_refunded_minor != seen_refunded:
            raise RefundNotAllowed(
                "A refund was made since this page was opened; it now shows what is left."
            )
        refundable = locked.refundable_minor
        if not refundable:
            raise RefundNotAllowed("Nothing is left to refund on this payment.")
        if not locked.stripe_payment_intent_id:
            raise RefundNotAllowed(
                "A promotion code paid for all of it: there is nothing to refund."
            )
        if not 0 < amount_minor <= refundable:
            raise RefundNotAllowed(
                f"Refund between {locked.money(1)} and {locked.money(refundable)}."
            )
        stripe_client.refund_create(
            payment_intent_id=locked.stripe_payment_intent_id,
            amount_minor=amount_minor,
            reason=reason,
            note=note,
            idempotency_key=(
                f"coachhouse-refund-{model._meta.label_lower}-{locked.pk}-{seen_refunded}"
            ),
        )
        locked.amount_refunded_minor += amount_minor
        locked.save(update_fields=["amount_refunded_minor"])
    return locked


def payment_refunded(*, charge) -> None:
    """Record what Stripe has refunded; a full refund un-books the person, or ends the
    learner's access to the course they bought, and a partial one is left to the coach."""
    payment_intent_id = _id(charge.payment_intent)
    if not payment_intent_id:
        # Not a Checkout's charge (nothing of ours was paid without a payment intent: a
        # promotion code that covers it all leaves none to refund).
        return
    for model in (Payment, CourseOrder):
        model.objects.filter(
            stripe_payment_intent_id=payment_intent_id,
            amount_refunded_minor__lt=charge.amount_refunded,
        ).update(amount_refunded_minor=charge.amount_refunded)
    if not _refunded_in_full(charge):
        return
    if CourseOrder.objects.filter(stripe_payment_intent_id=payment_intent_id).exists():
        with transaction.atomic():
            order = (
                CourseOrder.objects.select_for_update()
                .filter(stripe_payment_intent_id=payment_intent_id)
                .first()
            )
            course_services.order_refunded(order=order)
        return
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("entry")
            .filter(stripe_payment_intent_id=payment_intent_id)
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
    "checkout.session.completed": lambda obj: checkout_fulfil(session=obj),
    "checkout.session.async_payment_succeeded": lambda obj: checkout_fulfil(session=obj),
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


# A completed Checkout that owes nothing more: paid, or brought to 0 by a promotion code.
SETTLED_PAYMENT_STATUSES = {"paid", "no_payment_required"}


def _settled(session) -> bool:
    return (
        getattr(session, "status", "complete") == "complete"
        and session.payment_status in SETTLED_PAYMENT_STATUSES
    )


def _record_what_was_paid(record: Payment | CourseOrder, session) -> None:
    """What the customer paid (the session's total after any promotion code, else the price
    the Checkout was opened at), the tax in it, and the invoice's address if Stripe made one.
    An invoice Stripe cannot show just now leaves the receipt without its link, not the
    customer without what they paid for."""
    total = _whole(getattr(session, "amount_total", None))
    if total is not None:
        record.amount_minor = total
    details = getattr(session, "total_details", None)
    record.amount_tax_minor = _whole(getattr(details, "amount_tax", None)) or 0
    invoice_id = _id(getattr(session, "invoice", None))
    if invoice_id:
        try:
            record.invoice_url = stripe_client.invoice_retrieve(invoice_id).hosted_invoice_url or ""
        except stripe.StripeError as error:
            logger.warning("Invoice %s of %s not read: %s", invoice_id, session.id, error)


def _whole(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


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
