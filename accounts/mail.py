"""Sending the site's own emails: a subject, a plain-text body and an HTML body from templates."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks_db import DatabaseBackend

from accounts.tasks import deliver_email


def absolute_url(path: str) -> str:
    """A link for an email: the site's public address (BASE_URL) and a path on it."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def email_send(*, to: str, template: str, context: dict, headers: dict | None = None) -> None:
    """Render `emails/<template>_subject.txt`, `<template>.txt` and `<template>.html`, and
    hand the message to the background worker with the current transaction: a rolled-back
    change sends nothing, and a committed one always has its email queued.

    With the database task backend the task row is written inside the transaction itself,
    so a crash between the commit and the enqueue cannot lose the email; other backends
    enqueue once the transaction commits.
    """

    context = {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "base_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
        **context,
    }
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context).strip()
    html = render_to_string(f"emails/{template}.html", context)
    message = {"to": to, "subject": subject, "text": text, "html": html, "headers": headers or {}}
    if isinstance(deliver_email.get_backend(), DatabaseBackend):
        deliver_email.enqueue(**message)
    else:
        transaction.on_commit(lambda: deliver_email.enqueue(**message))
