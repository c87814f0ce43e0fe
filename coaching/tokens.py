"""Signed, personal links for wait-list emails: nobody needs to sign in to use them.

A link names the entry by its random `public_id` (never its row id or creation time).
Confirmation and status links carry the time they were made and lapse after a while; a status
link of someone who left the list works for a month after they left (to rejoin), then no more.
An invitation link belongs to one invitation: the same string every time it is made (so the
Stripe Checkout it leads to is the same request), void once the person is invited again, and
lapsed 60 days after the invitation. A person whose link has lapsed fills in the form again
and is emailed a fresh one.
"""

import datetime
import hashlib
import uuid

from django.core import signing
from django.utils import timezone

from coaching.models import WaitListEntry

CONFIRM = "coaching.confirm"
STATUS = "coaching.status"
INVITATION = "coaching.invitation"

DAY = 24 * 3600
MAX_AGE = {
    # A confirmation link is only useful while the entry can still be confirmed.
    CONFIRM: 7 * DAY,
    # Every email carries a fresh status link.
    STATUS: 180 * DAY,
    # Invitations last at most 60 days (CoachingSettings.invitation_valid_days).
    INVITATION: 60 * DAY,
}
AFTER_LEAVING = datetime.timedelta(days=30)


def _invitation_round(entry: WaitListEntry) -> str:
    """Which invitation a link is for, without saying when it was sent."""
    invited_at = int(entry.invited_at.timestamp()) if entry.invited_at else 0
    return hashlib.sha256(f"{entry.public_id.hex}.{invited_at}".encode()).hexdigest()[:12]


def make_token(entry: WaitListEntry, purpose: str) -> str:
    if purpose == INVITATION:
        value = f"{entry.public_id.hex}.{_invitation_round(entry)}"
        return signing.Signer(salt=purpose).sign(value)
    return signing.TimestampSigner(salt=purpose).sign(entry.public_id.hex)


def entry_from_token(token: str, purpose: str) -> WaitListEntry | None:
    """The entry a token was made for, or None if it is forged, lapsed or the entry is gone."""
    if purpose not in MAX_AGE or len(token) > 200:
        return None
    try:
        if purpose == INVITATION:
            value, _, round_ = signing.Signer(salt=purpose).unsign(token).partition(".")
        else:
            value = signing.TimestampSigner(salt=purpose).unsign(token, max_age=MAX_AGE[purpose])
        entry = WaitListEntry.objects.get(public_id=uuid.UUID(hex=value))
    except (signing.BadSignature, WaitListEntry.DoesNotExist, TypeError, ValueError):
        return None
    if purpose == INVITATION:
        lapsed = timezone.now() - datetime.timedelta(seconds=MAX_AGE[INVITATION])
        if not entry.invited_at or round_ != _invitation_round(entry):
            return None
        if entry.invited_at < lapsed:
            return None
    left = entry.status == WaitListEntry.Status.WITHDRAWN
    if left and entry.status_changed_at < timezone.now() - AFTER_LEAVING:
        return None
    return entry
