"""Changes to the wait list. Every status change goes through `_transition`."""

import datetime
import hashlib
import uuid
from dataclasses import dataclass

from allauth.account.utils import has_verified_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.models import normalise_email
from accounts.services import Kept
from coaching import emails
from coaching.models import Payment, WaitListEntry, WaitListEvent
from coaching.selectors import coaching_settings, waiting_queue

Status = WaitListEntry.Status

UNCONFIRMED_LIFETIME = datetime.timedelta(days=7)

# Which statuses an entry may move to from each status.
TRANSITIONS: dict[str, set[str]] = {
    Status.UNCONFIRMED: {Status.WAITING, Status.WITHDRAWN},
    # A waiting person may also be booked directly: a payment that arrives after their
    # invitation lapsed, or the coach booking someone by hand.
    Status.WAITING: {Status.INVITED, Status.BOOKED, Status.WITHDRAWN},
    Status.INVITED: {
        Status.BOOKED,
        Status.DECLINED,
        Status.EXPIRED,
        Status.WAITING,
        Status.WITHDRAWN,
    },
    Status.BOOKED: {Status.REFUNDED},
    Status.DECLINED: {Status.WAITING},
    Status.EXPIRED: {Status.WAITING, Status.BOOKED},
    Status.WITHDRAWN: {Status.WAITING},
    Status.REFUNDED: {Status.WAITING},
}


class TransitionNotAllowed(Exception):
    """The entry cannot move from its status to the one asked for."""

    def __init__(self, entry: WaitListEntry, to_status: str):
        self.entry, self.to_status = entry, to_status
        current = Status(entry.status).label.lower()
        wanted = Status(to_status).label.lower()
        super().__init__(f"{entry.name} is {current}, so they can't be marked {wanted}.")


@dataclass(frozen=True)
class JoinDetails:
    name: str
    email: str
    job_search_stage: str
    goals: str
    share_reflections: bool = False


def waitlist_join(*, details: JoinDetails, user=None) -> tuple[WaitListEntry, bool]:
    """Add a person (unconfirmed) and email their confirmation link.

    Joining again with a known address creates nothing and reveals nothing to the form:
    the person already on the list is emailed their status link instead. A signed-in learner
    joining with their own address, which allauth has verified, is on the list at once: a
    confirmation link would prove nothing new.
    """
    email = normalise_email(details.email)
    # A signed-in learner is linked only when they join with their own address; only a
    # linked learner has course reflections to share.
    linked = user if user is not None and normalise_email(user.email) == email else None
    fields = {
        "name": details.name,
        "job_search_stage": details.job_search_stage,
        "goals": details.goals,
        "share_reflections": details.share_reflections and linked is not None,
        "user": linked,
    }
    try:
        with transaction.atomic():
            entry, created = WaitListEntry.objects.get_or_create(email=email, defaults=fields)
            confirmed_at_once = created and linked is not None and has_verified_email(linked, email)
            if created:
                _log(entry, "", Status.UNCONFIRMED, note="joined")
            if created and not confirmed_at_once:
                # Queued with the entry (accounts/mail.py): an entry saved has its email.
                emails.send_confirmation(entry)
    except IntegrityError:
        # The same address joined in a concurrent request: one entry, as the constraint says.
        entry, created, confirmed_at_once = WaitListEntry.objects.get(email=email), False, False
    if confirmed_at_once:
        entry = waitlist_confirm(entry=entry)
    elif not created:
        emails.send_already_on_list(entry)
    return entry, created


def waitlist_confirm(*, entry: WaitListEntry) -> WaitListEntry:
    """Double opt-in: the person pressed "Confirm my place". Confirming twice is a no-op."""
    with transaction.atomic():
        entry = WaitListEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status != Status.UNCONFIRMED:
            return entry
        now = timezone.now()
        _transition(entry, Status.WAITING, note="confirmed by email", at=now, confirmed_at=now)
        emails.send_confirmed(entry)
    return entry


def waitlist_update(
    *, entry: WaitListEntry, name: str, job_search_stage: str, goals: str, share_reflections: bool
) -> WaitListEntry:
    """The person changes their answers from their status page."""
    entry.name, entry.job_search_stage, entry.goals = name, job_search_stage, goals
    entry.share_reflections = share_reflections and entry.user_id is not None
    entry.save(update_fields=["name", "job_search_stage", "goals", "share_reflections"])
    return entry


def waitlist_withdraw(*, entry: WaitListEntry, actor=None) -> WaitListEntry:
    """The person leaves the list (or the coach removes them)."""
    return _change_status(entry, Status.WITHDRAWN, actor=actor, again_is_noop=True)


def waitlist_rejoin(*, entry: WaitListEntry, actor=None) -> WaitListEntry:
    """Back on the list after leaving, declining or letting an invitation expire: at the end."""
    now = timezone.now()
    return _change_status(
        entry, Status.WAITING, actor=actor, note="rejoined", at=now, confirmed_at=now
    )


class QueueChanged(Exception):
    """The wait list changed since the coach looked at it; nobody was invited."""


def queue_version(entry_ids) -> str:
    """A fingerprint of the queue's order, for "invite the people I was shown"."""
    return hashlib.sha256(",".join(str(pk) for pk in entry_ids).encode()).hexdigest()[:16]


def waitlist_queue_version() -> str:
    return queue_version(waiting_queue().values_list("pk", flat=True))


def waitlist_invite_next(
    *, count: int, actor=None, seen_version: str | None = None
) -> list[WaitListEntry]:
    """Invite the first `count` waiting people, in position order.

    The first `count` rows are locked and each is moved only if it is still waiting. A coach
    passes `seen_version`, the queue she was shown: if another invitation round changed the
    queue meanwhile (two coaches clicking at once), this round invites nobody and raises
    QueueChanged, so together they invite `count` people, never twice as many.
    """
    invited = []
    with transaction.atomic():
        candidates = list(waiting_queue().select_for_update()[: max(0, count)])
        if seen_version is not None and waitlist_queue_version() != seen_version:
            raise QueueChanged("The wait list changed while you were looking at it.")
        for entry in candidates:
            if _invite(entry, actor=actor):
                invited.append(entry)
    return invited


def waitlist_invite(*, entry: WaitListEntry, actor=None) -> WaitListEntry:
    """Invite one waiting person, whatever their position."""
    with transaction.atomic():
        entry = WaitListEntry.objects.select_for_update().get(pk=entry.pk)
        if not _invite(entry, actor=actor):
            raise TransitionNotAllowed(entry, Status.INVITED)
    return entry


def waitlist_decline(*, entry: WaitListEntry, actor=None) -> WaitListEntry:
    """The invited person says no thanks for now."""
    return _change_status(entry, Status.DECLINED, actor=actor)


def waitlist_mark_booked(*, entry: WaitListEntry, actor=None, note: str = "") -> WaitListEntry:
    """The person is booked: by a confirmed payment, or by hand in the admin."""
    return _change_status(entry, Status.BOOKED, actor=actor, note=note, again_is_noop=True)


def waitlist_mark_refunded(*, entry: WaitListEntry, actor=None, note: str = "") -> WaitListEntry:
    """The payment was refunded: the booking is undone."""
    return _change_status(entry, Status.REFUNDED, actor=actor, note=note, again_is_noop=True)


def waitlist_expire(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Remove unconfirmed entries older than 7 days and settle expired invitations.

    Expired invitations go back to the list or make way for the next person, as the coach
    chose in the settings. Safe to run as often as you like.
    """
    now = now or timezone.now()
    removed, _ = WaitListEntry.objects.filter(
        status=Status.UNCONFIRMED, created_at__lt=now - UNCONFIRMED_LIFETIME
    ).delete()
    requeue = coaching_settings().expired_invitation_policy == "requeue"
    settled = 0
    with transaction.atomic():
        stale = WaitListEntry.objects.select_for_update().filter(
            status=Status.INVITED, invitation_expires_at__lt=now
        )
        for entry in stale:
            if requeue:
                _transition(entry, Status.WAITING, note="invitation expired; back in place", at=now)
            else:
                _transition(entry, Status.EXPIRED, note="invitation expired", at=now)
            settled += 1
    replaced = 0
    if settled and not requeue:
        replaced = len(waitlist_invite_next(count=settled))
    return {"unconfirmed_removed": removed, "invitations_expired": settled, "invited": replaced}


ERASED_NAME = "Deleted account"
PAYMENT_RECORDS_WHY = (
    "Tax law requires a business to keep a record of each sale for six years. The record no "
    "longer carries your name, email address or answers. Stripe, which took the payment, "
    "keeps its own record under its own privacy policy."
)


def waitlist_erase_person(*, user, email: str) -> list[Kept]:
    """The person deleted their account: their wait-list entries go, with their history.

    An entry they paid through is kept for its payments, anonymised: no name, address or
    answers, and no history; the payments keep only the amount, the dates and Stripe's ids.
    """
    kept_payments = 0
    with transaction.atomic():
        entries = WaitListEntry.objects.select_for_update().filter(
            Q(user=user) | Q(email=normalise_email(email))
        )
        for entry in entries:
            ModelLogEntry.objects.for_instance(entry).delete()
            payments = Payment.objects.filter(entry=entry)
            if not payments.exists():
                entry.delete()  # its events go with it
                continue
            WaitListEvent.objects.filter(entry=entry).delete()
            WaitListEntry.objects.filter(pk=entry.pk).update(
                name=ERASED_NAME,
                email=f"deleted-{uuid.uuid4().hex}@deleted.invalid",
                goals="",
                share_reflections=False,
                user=None,
                # A new id: the person's old status and invitation links open nothing now.
                public_id=uuid.uuid4(),
            )
            payments.update(checkout_url="")
            kept_payments += payments.count()
    if not kept_payments:
        return []
    what = (
        f"{kept_payments} payment{'s' if kept_payments != 1 else ''} for coaching: the amount, "
        "the date and Stripe's reference"
    )
    return [Kept(what=what, why=PAYMENT_RECORDS_WHY)]


def _invite(entry: WaitListEntry, *, actor=None) -> bool:
    if entry.status != Status.WAITING:
        return False
    now = timezone.now()
    valid_for = datetime.timedelta(days=coaching_settings().invitation_valid_days)
    try:
        _transition(
            entry,
            Status.INVITED,
            actor=actor,
            at=now,
            invited_at=now,
            invitation_expires_at=now + valid_for,
        )
    except TransitionNotAllowed:
        return False  # someone else invited them first
    emails.send_invitation(entry)
    return True


def _change_status(
    entry: WaitListEntry, to_status: str, *, again_is_noop: bool = False, **options
) -> WaitListEntry:
    """Lock the entry's row and move it to `to_status` (see `_transition` for `options`).

    With `again_is_noop`, an entry already in that status is returned unchanged: a repeated
    click or a replayed payment event is not an error.
    """
    with transaction.atomic():
        entry = WaitListEntry.objects.select_for_update().get(pk=entry.pk)
        if again_is_noop and entry.status == to_status:
            return entry
        _transition(entry, to_status, **options)
    return entry


def _transition(
    entry: WaitListEntry,
    to_status: str,
    *,
    actor=None,
    note: str = "",
    at: datetime.datetime | None = None,
    **changes,
) -> None:
    """Move the entry to `to_status` if the lifecycle allows it, and record the change.

    The update only applies while the row still has the status we read (compare-and-set),
    so a concurrent change can never be overwritten, even where rows cannot be locked.
    """
    if to_status not in TRANSITIONS[entry.status]:
        raise TransitionNotAllowed(entry, to_status)
    at = at or timezone.now()
    from_status = entry.status
    updated = WaitListEntry.objects.filter(pk=entry.pk, status=from_status).update(
        status=to_status, status_changed_at=at, **changes
    )
    if not updated:
        entry.refresh_from_db()
        raise TransitionNotAllowed(entry, to_status)
    entry.status, entry.status_changed_at = to_status, at
    for field, value in changes.items():
        setattr(entry, field, value)
    _log(entry, from_status, to_status, actor=actor, note=note, at=at)


def _log(entry, from_status, to_status, *, actor=None, note="", at=None) -> None:
    WaitListEvent.objects.create(
        entry=entry,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        at=at or timezone.now(),
    )
