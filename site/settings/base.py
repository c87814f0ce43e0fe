"""Settings shared by every environment, read from environment variables."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from wagtail.embeds.oembed_providers import vimeo, youtube

from coachhouse.env import env_bool, env_list, env_str, mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "Set the SECRET_KEY environment variable (required when DEBUG is off)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "coachhouse",
    "accounts",
    "course",
    "lessons",
    "coaching",
    "reports",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "django_tasks_db",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # An id for each request, sent back and written on its log lines.
    "coachhouse.request_id.RequestIdMiddleware",
    # /healthz and /readyz for process managers and load balancers: before the rest, so they
    # answer over plain HTTP, for any Host, without a session (coachhouse/health.py).
    "coachhouse.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Django's CSP middleware, choosing the admin's policy under /admin/. Outside the page
    # cache, so pages served from it get the policy too.
    "coachhouse.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session, CSRF and auth middleware, so it sees the cookies they set; inside
    # the security headers, so cached pages get them too.
    "coachhouse.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Anyone who may use the Wagtail admin gives a code from an authenticator app first.
    "accounts.second_factor.AdminSecondFactorMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "coachhouse.urls"
WSGI_APPLICATION = "coachhouse.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "coachhouse.context_processors.site",
            ],
        },
    },
]

# SQLite by default; PostgreSQL (or any dj-database-url URL) from DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env_str("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write at once (web workers, the task worker). A transaction that
    # reads before it writes would otherwise fail at once with "database is locked" when
    # another holds the write lock; IMMEDIATE takes the lock first, waiting up to `timeout`
    # seconds, and WAL lets readers go on while one process writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's search index uses PostgreSQL's full-text search (GIN indexes) there.
    INSTALLED_APPS.append("django.contrib.postgres")
    # A database that cannot be reached fails a request in 5 seconds instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "coachhouse"),
            # A Redis that does not answer fails a request in 2 seconds instead of hanging
            # it: visitors get the 503 page (coachhouse/views.py), /readyz says so.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache (a signed-in page view then costs no query for its session)
# and written through to the database, so none is lost when the cache is flushed.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Whole pages for anonymous visitors (coachhouse/page_cache.py); a publish forgets them all at
# once, so this is only how long an idle entry lingers.
PAGE_CACHE_SECONDS = int(env_str("PAGE_CACHE_SECONDS", "600"))

AUTH_USER_MODEL = "accounts.User"
# Django's (editors' passwords in the admin) and allauth's (sign-in by emailed code).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# What deleting an account also erases: each app's rows that name a person without pointing
# at their account (accounts/services.py, `user_delete`).
PERSONAL_DATA_ERASERS = [
    "coaching.services.waitlist_erase_person",
    "course.services.orders_erase_person",
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:dashboard"

# Learners sign up with an email address only and sign in with an emailed code; a password
# is optional. Enumeration protection and allauth's rate limits stay on (in the cache above).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# A code works for 10 minutes (allauth's 3 are too short to find an email) and for three tries;
# the emails and the code page say both. A new code can be sent at once.
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 600
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# One address per person: /accounts/email/ changes it (a code goes to the new address, the
# old one stays until that code is typed) rather than keeping a list of addresses.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_SESSION_REMEMBER = True
# allauth's defaults, less one thing: an address is mailed at most 6 sign-in codes an hour,
# however many people ask (3 a minute from anywhere would be 180). A learner who asked for a
# code can still enter it while further requests are refused: it is kept in their session.
ACCOUNT_RATE_LIMITS = {"request_login_code": "20/m/ip,3/m/key,6/h/key"}

# Rate limits count per visitor IP. Behind N reverse proxies (each appending to
# X-Forwarded-For), set TRUSTED_PROXY_COUNT=N; otherwise the header is ignored, since anyone
# can send it. allauth and the wait list's limits read the address the same way.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env_str("TRUSTED_PROXY_COUNT", "0"))
RATELIMIT_IP_META_KEY = "coachhouse.client_ip.client_ip"
# A second factor for the admin (accounts/second_factor.py): allauth's TOTP and recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("SITE_NAME", "Coachhouse")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic gathers the static files that WhiteNoise serves.
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads in an S3-compatible bucket (Amazon S3, Cloudflare R2, Backblaze B2, MinIO...) when
# MEDIA_BUCKET is set, so that every app server sees the same images and documents; on this
# server's disk (MEDIA_ROOT) otherwise. In the bucket, renditions (`images/`) are public, served
# from the bucket or from a CDN at MEDIA_CUSTOM_DOMAIN; originals and documents stay private
# and documents go through Wagtail's serve view below (`manage.py prepare_media_bucket`).
MEDIA_BUCKET = env_str("MEDIA_BUCKET")
# The S3 API the media bucket and s3:// backups (BACKUP_LOCATION) are reached with: empty for
# Amazon, or another provider's endpoint. Empty keys: boto3 finds credentials itself (an
# instance role, ~/.aws).
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY") or None
# Where browsers fetch renditions from, for the img-src of the CSPs below; empty: this site.
MEDIA_ORIGIN = ""
if MEDIA_BUCKET:
    from urllib.parse import urlsplit

    from botocore.config import Config as BotoConfig

    endpoint_url = AWS_S3_ENDPOINT_URL or ""
    region_name = AWS_S3_REGION_NAME or ""
    if env_str("MEDIA_CUSTOM_DOMAIN"):
        MEDIA_ORIGIN = f"https://{env_str('MEDIA_CUSTOM_DOMAIN')}"
    elif endpoint_url:  # another provider's S3 API, addressed by path: endpoint/bucket/key
        MEDIA_ORIGIN = f"{urlsplit(endpoint_url).scheme}://{urlsplit(endpoint_url).netloc}"
    elif region_name and region_name != "us-east-1":  # Amazon, addressed by host
        MEDIA_ORIGIN = f"https://{MEDIA_BUCKET}.s3.{region_name}.amazonaws.com"
    else:
        MEDIA_ORIGIN = f"https://{MEDIA_BUCKET}.s3.amazonaws.com"
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": AWS_S3_REGION_NAME,
            "access_key": AWS_ACCESS_KEY_ID,
            "secret_key": AWS_SECRET_ACCESS_KEY,
            "custom_domain": env_str("MEDIA_CUSTOM_DOMAIN") or None,
            # Renditions' URLs are plain and stable: pages that show them are cached, and a
            # signed URL would expire inside a cached page.
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=86400"},
            # A bucket that does not answer fails an upload (and /readyz) in seconds, with one
            # retry, instead of boto3's default minute.
            "client_config": BotoConfig(
                connect_timeout=1,
                read_timeout=10,
                retries={"mode": "standard", "max_attempts": 2},
                s3={"addressing_style": "path" if endpoint_url else "virtual"},
            ),
        },
    }

MAILERS = {"default": mailer_from_url(env_str("EMAIL_URL") or "console:")}

# Emails (and Wagtail's search and reference indexing) run as tasks. "database" queues them
# for `manage.py db_worker` (make run starts one); "immediate" runs them in the request.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[env_str("TASKS_BACKEND", "database")]}}
# Seconds before each retry of an email the mail server refused; after the last, it fails.
EMAIL_RETRY_DELAYS = tuple(
    int(seconds) for seconds in env_list("EMAIL_RETRY_DELAYS", default=["30", "120", "600", "1800"])
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Coachhouse <hello@coachhouse.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who is emailed a server error's traceback: comma-separated addresses (the coach, or whoever
# looks after the site). None by default.
ADMINS = env_list("ADMINS", default=[])

# Backups (coachhouse/backups.py): `manage.py backup` writes one archive (the database, and the
# media or a list of them) to BACKUP_LOCATION, a folder or s3://bucket/prefix (reached with the
# media's AWS_* endpoint and keys), keeping the newest BACKUP_KEEP; the clock takes one when the
# newest is BACKUP_INTERVAL_HOURS old (none if BACKUP_LOCATION is empty). `restore` loads one.
BACKUP_LOCATION = env_str("BACKUP_LOCATION")
BACKUP_KEEP = int(env_str("BACKUP_KEEP", "14"))
BACKUP_INTERVAL_HOURS = float(env_str("BACKUP_INTERVAL_HOURS", "24"))
# pg_restore leaves out owners and grants: the database user that restores owns what it loads.
DBBACKUP_CONNECTORS = {"default": {"RESTORE_SUFFIX": "--no-owner --no-privileges"}}

STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
# Empty means Stripe itself; the test suite points it at its own local Stripe server.
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
# Who gets a note when someone books and pays.
COACH_EMAIL = env_str("COACH_EMAIL", "coach@coachhouse.localhost")

WAGTAIL_SITE_NAME = env_str("SITE_NAME", "Coachhouse")
WAGTAILADMIN_BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Documents go through Wagtail's serve view (privacy checks, `Content-Disposition`, and its
# own `default-src 'none'` policy and nosniff), never straight from MEDIA_ROOT, and only with
# these extensions: no HTML, SVG or other types a browser would run.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "odt", "txt", "csv"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Raster formats only (an SVG can carry script). A 48-megapixel phone photo fits; decoding
# anything larger would take hundreds of megabytes in a web worker.
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 50_000_000
WAGTAILEMBEDS_RESPONSIVE_HTML = True
# Videos come from YouTube and Vimeo only: the frame-src of the CSP below allows just those, and
# editors get an error in the admin for anything else instead of a blank frame on the site.
WAGTAILEMBEDS_FINDERS = [
    {"class": "wagtail.embeds.finders.oembed", "providers": [youtube, vimeo]},
]
VIDEO_FRAME_SOURCES = [
    "https://www.youtube.com",
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
]
# The admin would otherwise ask wagtail.org for news on every load; this site may be offline.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Editors' avatars would otherwise be fetched from gravatar.com, telling it who edits the site.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Content Security Policy, by Django's own middleware. Public pages run only the site's own
# script files: no inline script and no nonces, because pages are cached whole for anonymous
# visitors and a nonce would be shared between them. `application/ld+json` blocks are data, not
# script, so the policy does not apply to them. Forms post only to the site itself (a redirect
# to Stripe Checkout after the POST is a navigation, not a form submission elsewhere).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": VIDEO_FRAME_SOURCES,
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# The Wagtail admin (every URL under /admin/; coachhouse/csp.py applies it) gets a looser
# policy: its widgets start with inline scripts (date pickers, inline panels), its templates
# and scripts use inline styles, image uploads preview as blob: URLs, its preview panel frames
# pages from the admin itself, and the embed chooser shows the videos the public policy allows.
# Only signed-in editors use it; everything else stays as strict as on public pages.
ADMIN_CSP = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
    "font-src": [CSP.SELF, "data:"],
    "frame-src": [CSP.SELF, *VIDEO_FRAME_SOURCES],
    "frame-ancestors": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Other sites learn only the origin a visitor came from, never the page (nor a token in its
# URL); YouTube's player refuses to play without at least the origin.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: forms carry the token, and the Wagtail admin's scripts get it
# from the page (wagtailConfig), so scripts need not see the cookie at all.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Each line names the request it was written for (coachhouse/request_id.py).
    "filters": {
        "request_id": {"()": "coachhouse.request_id.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "not_an_outage": {"()": "coachhouse.outages.NotAnOutage"},
    },
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        },
        # A server error's traceback, emailed to ADMINS; not one email per visitor while the
        # database or Redis is down (coachhouse/outages.py).
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "not_an_outage"],
        },
    },
    "loggers": {
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
    },
    # WARNING by default: Wagtail and the task backend log every page save and task at INFO.
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
