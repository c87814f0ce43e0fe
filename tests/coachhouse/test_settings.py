"""Settings from environment variables: EMAIL_URL parsing, and refusing to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage

from coachhouse.env import mailer_from_url

PROJECT_DIR = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_console_email_url_prints_sent_messages(settings, capsys):
    settings.MAILERS = {"default": mailer_from_url("console:")}

    EmailMessage("Your sign-in code", "ABCD-1234", to=["learner@example.com"]).send()

    printed = capsys.readouterr().out
    assert "Your sign-in code" in printed
    assert "ABCD-1234" in printed


def test_smtp_email_url_on_submission_port_uses_starttls_with_credentials():
    mailer = mailer_from_url("smtp://user:pass@host:587")

    assert mailer["BACKEND"] == SMTP
    assert mailer["OPTIONS"] == {
        "host": "host",
        "port": 587,
        "username": "user",
        "password": "pass",
        "use_ssl": False,
        "use_tls": True,
        "timeout": 10,
    }


def test_smtps_email_url_uses_implicit_tls_on_port_465():
    options = mailer_from_url("smtps://user:pass@mail.example.com")["OPTIONS"]

    assert (options["host"], options["port"]) == ("mail.example.com", 465)
    assert options["use_ssl"] is True
    assert options["use_tls"] is False


def test_smtp_email_url_decodes_percent_encoded_credentials():
    options = mailer_from_url("smtp://me%40example.com:p%40ss%2Fword@host:587")["OPTIONS"]

    assert options["username"] == "me@example.com"
    assert options["password"] == "p@ss/word"


def test_file_email_url_writes_to_the_given_folder():
    assert mailer_from_url("file:///tmp/x") == {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": "/tmp/x"},  # noqa: S108 - only parsed, nothing is written
    }


def test_unknown_email_url_scheme_is_refused_with_the_known_schemes():
    with pytest.raises(ImproperlyConfigured, match=r"'sendgrid' is not one of: console, file"):
        mailer_from_url("sendgrid://key@api")


def test_smtp_mailer_options_are_accepted_by_djangos_smtp_backend(settings):
    settings.MAILERS = {"default": mailer_from_url("smtps://user:secret@mail.example.com:2465")}

    backend = mail.mailers.default

    assert (backend.host, backend.port) == ("mail.example.com", 2465)
    assert (backend.username, backend.password) == ("user", "secret")
    assert backend.use_ssl is True
    assert backend.use_tls is False


def test_file_mailer_saves_sent_messages_in_its_folder(settings, tmp_path):
    outbox = tmp_path / "outbox"
    settings.MAILERS = {"default": mailer_from_url(f"file://{outbox}")}

    EmailMessage("Your sign-in code", "123456", to=["learner@example.com"]).send()

    [saved] = outbox.iterdir()
    assert "Your sign-in code" in saved.read_text()


def import_settings(module: str, **environ: str) -> subprocess.CompletedProcess:
    """Import a settings module in a fresh interpreter that sees only `environ`."""
    clean_env = {"PATH": os.environ.get("PATH", ""), **environ}
    return subprocess.run(  # noqa: S603 - a fixed command: this interpreter importing our module
        [sys.executable, "-c", f"import {module}"],
        cwd=PROJECT_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_base_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = import_settings("coachhouse.settings.base")

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set the SECRET_KEY environment variable" in result.stderr


def test_base_settings_start_without_secret_key_in_debug_mode():
    result = import_settings("coachhouse.settings.base", DEBUG="true")

    assert result.returncode == 0, result.stderr


PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-key",
    "ALLOWED_HOSTS": "coach.example.com",
    "DATABASE_URL": "postgres://coach@db.example.com/coachhouse",
    "REDIS_URL": "redis://cache.example.com:6379/0",
}


def test_production_settings_start_when_secret_hosts_database_and_cache_are_set():
    result = import_settings("coachhouse.settings.production", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_production_settings_refuse_to_start_without(missing):
    environ = {name: value for name, value in PRODUCTION_ENV.items() if name != missing}

    result = import_settings("coachhouse.settings.production", **environ)

    assert result.returncode != 0
    assert f"Set the {missing} environment variable for production." in result.stderr
