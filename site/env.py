"""Read typed settings from environment variables."""

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in TRUE_WORDS


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


EMAIL_SCHEMES = {
    "console": "coachhouse.console_email.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "submission": "django.core.mail.backends.smtp.EmailBackend",
}


def mailer_from_url(url: str) -> dict:
    """Turn an EMAIL_URL such as ``smtp://user:pass@host:587?tls=1`` into a MAILERS entry."""
    parts = urlsplit(url)
    try:
        backend = EMAIL_SCHEMES[parts.scheme]
    except KeyError:
        known = ", ".join(sorted(EMAIL_SCHEMES))
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme!r} is not one of: {known}."
        ) from None
    options: dict = {}
    if parts.scheme == "file":
        options["file_path"] = unquote(parts.path) or "sent-emails"
    elif backend.endswith("smtp.EmailBackend"):
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
        starttls_default = "1" if port == 587 else "0"
        options.update(
            host=parts.hostname or "localhost",
            port=port,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_ssl=parts.scheme == "smtps",
            use_tls=parts.scheme != "smtps" and query.get("tls", starttls_default) in TRUE_WORDS,
            timeout=int(query.get("timeout", "10")),
        )
    return {"BACKEND": backend, "OPTIONS": options}
