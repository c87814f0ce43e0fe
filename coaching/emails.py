"""The wait list's emails. Each carries the person's status link, which lets them leave."""

from django.conf import settings
from django.urls import reverse

from accounts.mail import absolute_url, email_send
from coaching import tokens
from coaching.selectors import entry_position


def _links(entry) -> dict[str, str]:
    status_url = absolute_url(
        reverse("coaching:status", args=[tokens.make_token(entry, tokens.STATUS)])
    )
    return {"status_url": status_url, "leave_url": status_url + "#leave"}


def _send(entry, template: str, **context) -> None:
    links = _links(entry)
    email_send(
        to=entry.email,
        template=template,
        context={"entry": entry, **links, **context},
        headers={"List-Unsubscribe": f"<{links['leave_url']}>"},
    )


def send_confirmation(entry) -> None:
    """Double opt-in: the link opens a page with a "Confirm my place" button."""
    confirm_url = absolute_url(
        reverse("coaching:confirm", args=[tokens.make_token(entry, tokens.CONFIRM)])
    )
    _send(entry, "waitlist_confirm", confirm_url=confirm_url)


def send_already_on_list(entry) -> None:
    """Someone joined with an address already on the list: tell its owner, not the form."""
    context = {"position": entry_position(entry)}
    if entry.status == entry.Status.UNCONFIRMED:
        context["confirm_url"] = absolute_url(
            reverse("coaching:confirm", args=[tokens.make_token(entry, tokens.CONFIRM)])
        )
    _send(entry, "waitlist_already", **context)


def send_confirmed(entry) -> None:
    _send(entry, "waitlist_confirmed", position=entry_position(entry))


def send_invitation(entry) -> None:
    """A place has opened: the personal link to choose a package and pay."""
    invitation_url = absolute_url(
        reverse("coaching:invitation", args=[tokens.make_token(entry, tokens.INVITATION)])
    )
    _send(entry, "waitlist_invitation", invitation_url=invitation_url)


def send_payment_receipt(payment) -> None:
    """The receipt to the person, and a note to the coach."""
    entry = payment.entry
    _send(entry, "payment_receipt", payment=payment)
    email_send(
        to=settings.COACH_EMAIL,
        template="payment_coach_note",
        context={"entry": entry, "payment": payment},
    )
