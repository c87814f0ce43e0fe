"""Addresses the site will send email to."""

from django.core.exceptions import ValidationError


def validate_mailable_address(value: str) -> None:
    """Refuse an address Django accepts but no person reads: a domain written as an IP
    literal (`a@[127.0.0.1]`, which would have us deliver to a server someone names) or a
    domain without a dot."""
    domain = value.rpartition("@")[2]
    if domain.startswith("[") or "." not in domain.strip("."):
        raise ValidationError("Please enter an email address with a domain, like name@example.com.")
