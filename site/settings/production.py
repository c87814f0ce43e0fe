"""Production: refuses to start without its secrets, a database and its hosts."""

from django.core.exceptions import ImproperlyConfigured

from coachhouse.env import env_str

from .base import *  # noqa: F403

DEBUG = False

for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
    if not env_str(required):
        raise ImproperlyConfigured(f"Set the {required} environment variable for production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
