"""allauth customised through its adapter, as allauth intends."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import has_verified_email
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts import signin


class AccountAdapter(DefaultAccountAdapter):
    """Email subjects carry the site's name; every sign-up is finished with an emailed code."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # After wrong passwords; a code that had its tries gets its own page instead.
        "too_many_login_attempts": "Too many wrong tries. Please wait five minutes and try "
        "again, or sign in with an emailed code.",
        "incorrect_code": "That code doesn’t match.",
        # Changing the email address (one address per person).
        "duplicate_email": "That’s the address you sign in with already.",
        "email_taken": "That address belongs to another account here, so I can’t move yours "
        "to it. Sign in with it to use that account.",
        "rate_limited": "That’s a lot of requests in a short time. Please wait a minute and "
        "try again.",
    }

    def clean_email(self, email: str) -> str:
        """An address longer than the account's email field is refused: allauth would cut it
        to fit, and send the code to an address that is not the person's."""
        limit = get_user_model()._meta.get_field("email").max_length
        if len(email) > limit:
            raise ValidationError(
                f"That address is {len(email)} characters long; an email address has at "
                f"most {limit}. Please check it and try again."
            )
        return super().clean_email(email)

    def get_from_email(self) -> str:
        return settings.DEFAULT_FROM_EMAIL

    def format_email_subject(self, subject: str) -> str:
        return f"{subject} | {settings.WAGTAIL_SITE_NAME}"

    def is_login_by_code_required(self, login) -> bool:
        """A sign-up, for a new address or a known one, is finished by a sign-in code.

        Both kinds then take the same path, to the same page, with the same email: the page
        tells nobody whether the address has an account, and the owner of a known address
        simply signs in. Entering the code verifies the address.
        """
        if login.signup:
            return True
        return super().is_login_by_code_required(login)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every allauth email also knows the site's name, its address and how long a code
        lasts, and whether the person is new (the code email greets them differently)."""
        user = context.get("user")
        if user is None and template_prefix == "account/email/login_code":
            user = signin.user_for_email(email)
        context = {
            "site_name": settings.WAGTAIL_SITE_NAME,
            "base_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
            "code_minutes": signin.code_minutes(),
            # New until they have proven the address: their first code gets them started.
            "is_new": user is None or not has_verified_email(user, email),
            **context,
        }
        super().send_mail(template_prefix, email, context)
