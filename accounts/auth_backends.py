"""Authentication backends that read the signed-in person from the cache.

Django loads the user on every signed-in request (`get_user`): a query on every lesson a
learner opens and every "Mark complete". These backends keep the user in the shared cache
(Redis in production) for USER_CACHE_SECONDS. Django still checks the session against the
cached user's password hash, so a changed password still signs out every other session.

Every change to a user forgets the copy: a save or a delete (signals, see `connect_signals`),
at once and again on commit (a request between the two could otherwise cache the old row);
and the few bulk updates, which send no signal, call `forget_users` themselves (the
account services, Wagtail's bulk "deactivate"). USER_CACHE_SECONDS bounds what a change made
some other way (a database shell) would leave.
"""

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

USER_CACHE_SECONDS = 10 * 60


def _key(user_id) -> str:
    return f"auth-user:{user_id}"


class CachedUserMixin:
    def get_user(self, user_id):
        key = _key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_CACHE_SECONDS)
        return user


class ModelBackend(CachedUserMixin, django_backends.ModelBackend):
    """Django's ModelBackend (passwords: editors in the admin), with the user cached."""


class AuthenticationBackend(CachedUserMixin, allauth_backends.AuthenticationBackend):
    """allauth's backend (sign-in by email code), with the user cached."""


def forget_users(user_ids) -> None:
    """Drop the cached copies of these users, now and when the transaction commits."""
    keys = [_key(user_id) for user_id in user_ids]
    cache.delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys))


def _user_changed(sender, instance, **kwargs) -> None:
    forget_users([instance.pk])


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    User = get_user_model()  # noqa: N806 (a model class)
    post_save.connect(_user_changed, sender=User, dispatch_uid="auth-user-saved")
    post_delete.connect(_user_changed, sender=User, dispatch_uid="auth-user-deleted")
