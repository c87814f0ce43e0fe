"""Production: refuses to start without its secrets, its hosts, a database and a shared cache."""

from django.core.exceptions import ImproperlyConfigured

from coachhouse.env import env_bool, env_str

from .base import *  # noqa: F403

DEBUG = False

# REDIS_URL too: every worker must share one cache. With a cache of its own, a worker would
# keep serving a page (and a session) that another worker has changed (coachhouse/page_cache.py).
for required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
    if not env_str(required):
        raise ImproperlyConfigured(f"Set the {required} environment variable for production.")

# Each worker keeps its database connection for a minute instead of opening one per request;
# the health check replaces a connection the database has dropped (a restart, a failover).
DATABASES = {
    **DATABASES,  # noqa: F405
    "default": {
        **DATABASES["default"],  # noqa: F405
        "CONN_MAX_AGE": int(env_str("CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    },
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# `make production` runs this stack on the developer's machine with no TLS proxy in front: there
# (and only there: it refuses any host but this machine's) LOCAL_HTTP=true serves plain HTTP,
# without the redirect to HTTPS and with cookies a browser sends back over HTTP. The release's
# deployment checks run without it.
LOCAL_HTTP = env_bool("LOCAL_HTTP", default=False)
if LOCAL_HTTP:
    if not set(ALLOWED_HOSTS) <= {"localhost", "127.0.0.1", "[::1]"}:  # noqa: F405
        raise ImproperlyConfigured(
            "LOCAL_HTTP serves plain HTTP for a local run only: ALLOWED_HOSTS may name only "
            "localhost, 127.0.0.1 and [::1]."
        )
    SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False

# Browsers remember for a year to use only HTTPS, on every subdomain too.
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading asks browser makers to hard-code HTTPS for the whole domain, which takes months to
# undo: the domain's owner opts in (HSTS_PRELOAD=true) before submitting it to hstspreload.org.
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # security.W021 asks for preload; see above for why it is the owner's choice, not ours.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Errors and their context in Sentry (or a Sentry-compatible service such as GlitchTip) when
# SENTRY_DSN is set; no personal data is sent.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
    )
