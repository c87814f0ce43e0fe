"""Changes to a person's account: consent, export of their data and deletion."""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Cast
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult
from wagtail.models import ModelLogEntry

from accounts.models import User

# Never exported, in any model: fields whose names mark secrets, such as the password hash
# or an API key's digest (`key_hash`).
SECRET_NAME_PARTS = ("password", "key", "token", "secret")


def user_set_marketing_consent(*, user: User, consent: bool) -> User:
    """Record consent with its time, or withdraw it; ticking again keeps the first time."""
    if consent and user.marketing_consent_at is None:
        user.marketing_consent_at = timezone.now()
    elif not consent:
        user.marketing_consent_at = None
    user.save(update_fields=["marketing_consent_at"])
    return user


def user_set_course_emails(*, user: User, subscribed: bool) -> User:
    """Turn course reminder emails on or off; unsubscribing again keeps the first time."""
    if not subscribed:
        User.objects.filter(pk=user.pk, course_emails_unsubscribed_at__isnull=True).update(
            course_emails_unsubscribed_at=timezone.now()
        )
    else:
        User.objects.filter(pk=user.pk).update(course_emails_unsubscribed_at=None)
    user.refresh_from_db(fields=["course_emails_unsubscribed_at"])
    return user


def user_set_name(*, user: User, first_name: str, last_name: str) -> User:
    """The name the person wants on their certificate and in emails."""
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    user.save(update_fields=["first_name", "last_name"])
    return user


def user_export_data(*, user: User) -> dict[str, Any]:
    """Everything stored about the person: their user row and every row that points at it."""
    data: dict[str, Any] = {"user": _row(user, exclude=set())}
    for relation in _user_relations():
        rows = relation.related_model._default_manager.filter(**{relation.field.name: user})
        key = relation.related_model._meta.label
        data.setdefault(key, []).extend(_row(row, exclude={relation.field.name}) for row in rows)
    return data


def user_export_json(*, user: User) -> str:
    return json.dumps(user_export_data(user=user), cls=DjangoJSONEncoder, indent=2)


@dataclass(frozen=True)
class Kept:
    """A record that deleting an account had to keep: what it holds, and why it is kept."""

    what: str
    why: str


# An app that stores things about a person outside rows pointing at their account (the wait
# list, by address) names a function `(*, user, email) -> list[Kept]` in the
# PERSONAL_DATA_ERASERS setting; account deletion calls each one. accounts never imports them.
Eraser = Callable[..., list[Kept]]


def user_delete(*, user: User) -> list[Kept]:
    """Delete the account and every row that names the person; return what was kept, and why.

    Enrolments, progress, reflections and email addresses go with the account
    (on_delete=CASCADE); each app's eraser deletes or anonymises the rest; emails queued for the
    person are dropped, and the admin's history of their account forgotten.
    """
    email = user.email
    kept: list[Kept] = []
    with transaction.atomic():
        for path in getattr(settings, "PERSONAL_DATA_ERASERS", ()):
            eraser: Eraser = import_string(path)
            kept.extend(eraser(user=user, email=email))
        tasks_erase_address(email=email)
        ModelLogEntry.objects.for_instance(user).delete()
        user.delete()
    return kept


def tasks_erase_address(*, email: str) -> int:
    """Drop task rows (queued, finished or failed emails) that carry the address.

    A task a worker is running now keeps its row, which the worker writes to when it finishes,
    but loses its arguments; it was being sent already.
    """
    if not email:
        return 0
    mentions = Q()
    for field in ("args_kwargs", "return_value", "traceback"):
        mentions |= Q(**{f"{field}_text__icontains": email})
    rows = DBTaskResult.objects.annotate(
        args_kwargs_text=Cast("args_kwargs", TextField()),
        return_value_text=Cast("return_value", TextField()),
        traceback_text=Cast("traceback", TextField()),
    ).filter(mentions)
    rows.filter(status=TaskResultStatus.RUNNING).update(args_kwargs={"args": [], "kwargs": {}})
    deleted, _ = rows.exclude(status=TaskResultStatus.RUNNING).delete()
    return deleted


# An email task still RUNNING this long after a worker took it was left by a worker that died
# (an email is sent in seconds, and the mail server's timeout is far shorter).
STALE_EMAIL_TASK_AFTER = datetime.timedelta(minutes=30)
DELIVER_EMAIL_PATH = "accounts.tasks.deliver_email"


def email_tasks_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Put email tasks that a dead worker left RUNNING back in the queue; returns how many.

    If that worker was only slow, not dead, the person may get the email twice: better than
    never, which is what a task left RUNNING means.
    """
    now = now or timezone.now()
    return DBTaskResult.objects.filter(
        task_path=DELIVER_EMAIL_PATH,
        status=TaskResultStatus.RUNNING,
        started_at__lt=now - STALE_EMAIL_TASK_AFTER,
    ).update(status=TaskResultStatus.READY, started_at=None, run_after=now)


def _user_relations():
    """Every foreign key and one-to-one field, in any app, that points at the user model."""
    return [
        relation
        for relation in User._meta.related_objects
        if relation.one_to_many or relation.one_to_one
    ]


def _is_secret(name: str) -> bool:
    return any(part in name.split("_") for part in SECRET_NAME_PARTS)


def _row(instance: models.Model, *, exclude: set[str]) -> dict[str, Any]:
    row = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or _is_secret(field.name):
            continue
        value = field.value_from_object(instance)
        if isinstance(value, FieldFile):
            value = value.name or None
        if field.is_relation and value is not None:
            target = getattr(instance, field.name, None)
            value = {"id": value, "name": str(target)} if target is not None else value
        row[field.name] = value
    return row
