"""Signed, personal unsubscribe links: they work from an email without signing in."""

from django.core import signing

from accounts.models import User

UNSUBSCRIBE = "accounts.unsubscribe"


def unsubscribe_token(user: User) -> str:
    # The sign-up time binds the token to this person, even if their id were ever reused.
    return signing.dumps({"id": user.pk, "t": int(user.date_joined.timestamp())}, salt=UNSUBSCRIBE)


def user_from_unsubscribe_token(token: str) -> User | None:
    """The person a token was made for, or None if it is forged or they deleted their account."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE)
        user = User.objects.get(pk=int(data["id"]))
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    if int(user.date_joined.timestamp()) != data.get("t"):
        return None
    return user
