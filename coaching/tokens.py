"""Signed, personal links for wait-list emails: nobody needs to sign in to use them."""

from django.core import signing

from coaching.models import WaitListEntry

CONFIRM = "coaching.confirm"
STATUS = "coaching.status"
INVITATION = "coaching.invitation"

# A confirmation link is only useful while the entry can still be confirmed.
CONFIRM_MAX_AGE = 7 * 24 * 3600


def make_token(entry: WaitListEntry, purpose: str) -> str:
    # The creation time binds the token to this entry, even if its id were ever reused.
    return signing.dumps({"id": entry.pk, "t": int(entry.created_at.timestamp())}, salt=purpose)


def entry_from_token(token: str, purpose: str) -> WaitListEntry | None:
    """The entry a token was made for, or None if it is forged, stale or the entry is gone."""
    max_age = CONFIRM_MAX_AGE if purpose == CONFIRM else None
    try:
        data = signing.loads(token, salt=purpose, max_age=max_age)
        entry = WaitListEntry.objects.get(pk=int(data["id"]))
    except (signing.BadSignature, WaitListEntry.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    if int(entry.created_at.timestamp()) != data.get("t"):
        return None
    return entry
