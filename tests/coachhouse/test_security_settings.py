"""Production refuses to run insecurely, and every response carries the security headers."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coaching import services, tokens
from tests.factories import WaitListEntryFactory, sign_in_to_admin

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    # Long and random-looking enough for Django's own check of SECRET_KEY (security.W009).
    "SECRET_KEY": "test-only-production-key-9c1f0e6b4d2a8f3e7b5c1d9a0e4f6b2c8d3a7e1f",
    "ALLOWED_HOSTS": "coach.example.com",
    "DATABASE_URL": "postgres://coach@db.example.com/coachhouse",
    "REDIS_URL": "redis://cache.example.com:6379/0",
}
ONE_YEAR = 365 * 24 * 60 * 60

# Run with production settings in a fresh interpreter: the settings the process would start
# with, and what a request over HTTPS (as the proxy forwards it) gets back. No database and no
# Redis needed: the requests use a local-memory cache in place of the configured one.
PRODUCTION_PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.test import Client, override_settings
cache = settings.CACHES["default"]
local_memory = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
with override_settings(CACHES=local_memory):
    client = Client(HTTP_HOST="coach.example.com")
    https = client.get("/stripe/webhook/", HTTP_X_FORWARDED_PROTO="https")
    http = client.get("/stripe/webhook/")
database = settings.DATABASES["default"]
print(json.dumps({
    "cache": [cache["BACKEND"], cache["LOCATION"]],
    "https_status": https.status_code,
    "https_headers": dict(https.headers),
    "http_status": http.status_code,
    "http_location": http.get("Location"),
    "conn_max_age": database["CONN_MAX_AGE"],
    "conn_health_checks": database["CONN_HEALTH_CHECKS"],
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                       settings.SESSION_COOKIE_SAMESITE],
    "csrf_cookie": [settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_HTTPONLY,
                    settings.CSRF_COOKIE_SAMESITE],
}))
"""


def run_production(args: list[str], **environ: str) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "coachhouse.settings.production",
        **PRODUCTION_ENV,
        **environ,
    }
    return subprocess.run(  # noqa: S603 - a fixed command: this interpreter, our own code
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_probe(**environ: str) -> dict:
    result = run_production(["-c", PRODUCTION_PROBE], **environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production():
    return production_probe()


# Production settings


def test_production_settings_pass_djangos_deployment_checks_without_a_warning():
    result = run_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_production(["-c", "import django; django.setup()"], SECRET_KEY="")

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_redirects_plain_http_to_https(production):
    assert production["http_status"] == 301
    assert production["http_location"] == "https://coach.example.com/stripe/webhook/"


def test_production_tells_browsers_to_use_only_https_for_a_year_with_subdomains(production):
    hsts = production["https_headers"]["Strict-Transport-Security"]

    assert hsts == f"max-age={ONE_YEAR}; includeSubDomains"


def test_production_adds_hsts_preload_only_when_the_owner_asks():
    probe = production_probe(HSTS_PRELOAD="true")

    assert probe["https_headers"]["Strict-Transport-Security"].endswith("; preload")


def test_production_cookies_are_secure_httponly_and_same_site_lax(production):
    assert production["session_cookie"] == [True, True, "Lax"]
    assert production["csrf_cookie"] == [True, True, "Lax"]


LOCAL_HTTP_PROBE = """
import django
from django.conf import settings
django.setup()
print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)
"""


def test_make_productions_local_http_switch_serves_plain_http_on_this_machine_only():
    local = run_production(["-c", LOCAL_HTTP_PROBE], LOCAL_HTTP="true", ALLOWED_HOSTS="127.0.0.1")
    public = run_production(["-c", LOCAL_HTTP_PROBE], LOCAL_HTTP="true")

    assert local.stdout.split() == ["False", "False", "False"], local.stderr
    assert public.returncode != 0
    assert "LOCAL_HTTP serves plain HTTP for a local run only" in public.stderr


def test_production_is_https_only_unless_local_http_is_set():
    result = run_production(["-c", LOCAL_HTTP_PROBE], ALLOWED_HOSTS="127.0.0.1")

    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_production_shares_one_redis_cache_between_workers(production):
    assert production["cache"] == [
        "django.core.cache.backends.redis.RedisCache",
        PRODUCTION_ENV["REDIS_URL"],
    ]


def test_production_keeps_database_connections_for_a_minute_with_health_checks(production):
    assert production["conn_max_age"] == 60
    assert production["conn_health_checks"] is True


def test_production_connection_lifetime_comes_from_conn_max_age():
    assert production_probe(CONN_MAX_AGE="0")["conn_max_age"] == 0


def test_production_responses_carry_the_public_content_security_policy(production):
    headers = production["https_headers"]

    assert "script-src 'self';" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


# Headers on every response (the same settings in every environment)


def csp_of(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    policy = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        policy[name] = sources
    return policy


@pytest.fixture
def home(site_tree, client):
    return client.get(site_tree["home"].url)


def test_public_pages_run_only_the_sites_own_script_files(home):
    policy = csp_of(home)

    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert "nonce" not in home["Content-Security-Policy"]
    assert "unsafe" not in home["Content-Security-Policy"]


def test_public_pages_allow_no_plugins_base_tag_framing_or_foreign_form_targets(home):
    policy = csp_of(home)

    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]


def test_public_pages_frame_only_youtube_and_vimeo_players(home):
    assert csp_of(home)["frame-src"] == [
        "https://www.youtube.com",
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
    ]


def test_public_pages_carry_the_other_security_headers(home):
    assert home["X-Frame-Options"] == "DENY"
    assert home["X-Content-Type-Options"] == "nosniff"
    assert home["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert home["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_page_served_from_the_page_cache_still_carries_the_policy(lessons, client):
    client.get(lessons[1].url)

    cached = client.get(lessons[1].url)

    assert cached.get("X-Cache") == "hit"
    assert csp_of(cached)["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_the_wagtail_admin_has_its_own_looser_policy_but_is_still_unframeable(client):
    response = client.get("/admin/login/")

    policy = csp_of(response)
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_an_admin_preview_may_be_framed_by_the_admin_but_keeps_the_public_script_policy(
    client, site_tree, django_user_model
):
    editor = django_user_model.objects.create_superuser(email="editor@example.com")
    sign_in_to_admin(client, editor)
    lesson = site_tree["lessons"][0]

    response = client.get(f"/admin/pages/{lesson.pk}/view_draft/")

    assert response.status_code == 200
    policy = csp_of(response)
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_only_the_invitation_page_lets_its_forms_continue_to_stripe_checkout(
    client, site_tree, settings
):
    """Chromium holds the redirect after "Choose" to the page's form-action (see test_csp)."""
    settings.STRIPE_API_BASE = ""
    entry = services.waitlist_invite(entry=WaitListEntryFactory(waiting=True))
    invitation = client.get(f"/waitlist/invitation/{tokens.make_token(entry, tokens.INVITATION)}/")

    assert invitation.status_code == 200
    assert csp_of(invitation)["form-action"] == ["'self'", "https://checkout.stripe.com"]
    assert csp_of(client.get(site_tree["home"].url))["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_httponly_and_same_site_lax(client, django_user_model):
    django_user_model.objects.create_superuser(email="editor@example.com", password="pw-1234567")

    form = client.get("/admin/login/")
    signed_in = client.post(
        "/admin/login/", {"username": "editor@example.com", "password": "pw-1234567"}
    )

    assert signed_in.status_code == 302
    for cookie in (form.cookies["csrftoken"], signed_in.cookies["sessionid"]):
        assert cookie["httponly"] is True, cookie.key
        assert cookie["samesite"] == "Lax", cookie.key


def test_no_script_of_the_site_reads_cookies():
    """The CSRF cookie is HttpOnly: a script that read it would break."""
    scripts = (PROJECT_DIR / "site" / "static").rglob("*.js")

    assert [path.name for path in scripts if "cookie" in path.read_text()] == []


# Templates that public pages are made of


EMAIL_OR_ADMIN_TEMPLATES = (
    "emails/",
    "account/email/",
    "reports/",
    "coaching/admin/",
    "course/admin/",
)
EMAIL_COMPONENTS = {"components/email_button.html"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


def test_no_public_template_has_inline_script_style_or_event_handlers():
    """The public policy would block them: a template that needs one must use a static file."""
    templates = PROJECT_DIR / "templates"
    offending = [
        name
        for path in templates.rglob("*.html")
        if not (name := str(path.relative_to(templates))).startswith(EMAIL_OR_ADMIN_TEMPLATES)
        and name not in EMAIL_COMPONENTS
        and (INLINE_SCRIPT.search(text := path.read_text()) or INLINE_STYLE.search(text))
    ]

    assert offending == []


@pytest.mark.django_db
def test_djangos_debug_error_pages_work_in_development_only(client, settings):
    settings.DEBUG = True
    debug = client.get("/no-such-page/")
    settings.DEBUG = False
    production_like = client.get("/no-such-page/")

    assert debug.status_code == production_like.status_code == 404
    assert "Content-Security-Policy" not in debug
    assert "Content-Security-Policy" in production_like
