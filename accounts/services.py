"""Changes to a person's account: consent, export of their data and deletion."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

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


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account; enrolments, progress and notes go with it (on_delete=CASCADE)."""
    user.delete()


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
