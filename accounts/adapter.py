"""allauth customised through its adapter, as allauth intends."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Email subjects carry the site's name."""

    def get_from_email(self) -> str:
        return settings.DEFAULT_FROM_EMAIL

    def format_email_subject(self, subject: str) -> str:
        return f"{subject} | {settings.WAGTAIL_SITE_NAME}"
