"""Signed, personal links for wait-list emails: nobody needs to sign in to use them."""

from django.core import signing

from coaching.models import WaitListEntry

CONFIRM = "coaching.confirm"
STATUS = "coaching.status"
INVITATION = "coaching.invitation"

# A confirmation link is only useful while the entry can still be confirmed.
CONFIRM_MAX_AGE = 7 * 24 * 3600


def _signer(purpose: str) -> signing.Signer:
    # Only confirmation links expire. The others are the same string every time they are
    # made, so a link (and the Stripe Checkout it leads to) does not change between emails.
    return (
        signing.TimestampSigner(salt=purpose)
        if purpose == CONFIRM
        else signing.Signer(salt=purpose)
    )


def make_token(entry: WaitListEntry, purpose: str) -> str:
    # The creation time binds the token to this entry, even if its id were ever reused.
    return _signer(purpose).sign_object({"id": entry.pk, "t": int(entry.created_at.timestamp())})


def entry_from_token(token: str, purpose: str) -> WaitListEntry | None:
    """The entry a token was made for, or None if it is forged, stale or the entry is gone."""
    options = {"max_age": CONFIRM_MAX_AGE} if purpose == CONFIRM else {}
    try:
        data = _signer(purpose).unsign_object(token, **options)
        entry = WaitListEntry.objects.get(pk=int(data["id"]))
    except (signing.BadSignature, WaitListEntry.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    if int(entry.created_at.timestamp()) != data.get("t"):
        return None
    return entry
