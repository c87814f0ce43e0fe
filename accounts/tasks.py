"""Background delivery of the site's emails, retried with back-off when the mail server fails."""

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

# Seconds to wait before each retry; after the last, the task fails and shows in the admin.
# The EMAIL_RETRY_DELAYS setting overrides them (the load test shortens them to stay bounded).
RETRY_DELAYS = (30, 120, 600, 1800)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def retry_delays() -> tuple[int, ...]:
    """The back-off before each retry, from the EMAIL_RETRY_DELAYS setting if it is set."""
    return tuple(getattr(settings, "EMAIL_RETRY_DELAYS", None) or RETRY_DELAYS)


@task
def deliver_email(
    *, to: str, subject: str, text: str, html: str, headers: dict, attempt: int = 1
) -> dict:
    """Send one email; on a mail-server failure, enqueue the next attempt a little later."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    delays = retry_delays()
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        if attempt > len(delays):
            raise  # the task fails, and its error stays visible under Settings → Background tasks
        delay = delays[attempt - 1]
        logger.warning("Email to %s failed (%s); attempt %d in %ds.", to, error, attempt + 1, delay)
        retry = deliver_email
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
        retry.enqueue(
            to=to, subject=subject, text=text, html=html, headers=headers, attempt=attempt + 1
        )
        return {"delivered": False, "attempt": attempt, "error": str(error), "retry_in": delay}
    return {"delivered": True, "attempt": attempt}
