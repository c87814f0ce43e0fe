"""Sending the site's own emails: a subject, a plain-text body and an HTML body from templates."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from accounts.tasks import deliver_email


def absolute_url(path: str) -> str:
    """A link for an email: the site's public address (BASE_URL) and a path on it."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def email_send(*, to: str, template: str, context: dict, headers: dict | None = None) -> None:
    """Render `emails/<template>_subject.txt`, `<template>.txt` and `<template>.html`, and
    hand the message to the background worker once the current transaction commits (a
    rolled-back change sends nothing)."""

    context = {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "base_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
        **context,
    }
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context).strip()
    html = render_to_string(f"emails/{template}.html", context)
    message = {"to": to, "subject": subject, "text": text, "html": html, "headers": headers or {}}
    transaction.on_commit(lambda: deliver_email.enqueue(**message))
