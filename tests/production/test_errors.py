"""Server errors reach whoever looks after the site: emailed to ADMINS (not once per visitor
while the database is down), and sent to Sentry when SENTRY_DSN is set."""

import gzip
import http.server
import importlib
import threading

import pytest
from django.core import mail
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import include, path

from tests.production.test_health import DEAD_DATABASE, DEAD_REDIS, Server


def breaks(request):
    raise ValueError("the certificate's template is missing")


def loses_the_database(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


urlpatterns = [
    path("breaks/", breaks),
    path("loses-the-database/", loses_the_database),
    path("", include("coachhouse.urls")),
]
handler500 = "coachhouse.views.server_error"


@override_settings(ROOT_URLCONF=__name__, ADMINS=["coach@example.com"])
def test_a_server_error_is_emailed_to_the_admins_with_its_traceback(db):
    response = Client(raise_request_exception=False).get("/breaks/")

    assert response.status_code == 500
    [email] = mail.outbox
    assert email.to == ["coach@example.com"]
    assert "/breaks/" in email.subject
    assert "the certificate's template is missing" in email.body


@override_settings(ROOT_URLCONF=__name__, ADMINS=["coach@example.com"])
def test_an_unreachable_database_is_a_503_and_emails_nobody(db):
    response = Client(raise_request_exception=False).get("/loses-the-database/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert mail.outbox == []


class SentryInbox(http.server.ThreadingHTTPServer):
    """A stand-in for Sentry's ingestion endpoint on 127.0.0.1: keeps what it is sent."""

    def __init__(self):
        self.envelopes: list[str] = []
        inbox = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":  # when brotli is installed, as Sentry's SDK prefers
                    body = importlib.import_module("brotli").decompress(body)
                inbox.envelopes.append(body.decode(errors="replace"))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server_address[1]}/7"


@pytest.fixture
def sentry():
    inbox = SentryInbox()
    yield inbox
    inbox.shutdown()
    inbox.server_close()


def test_with_sentry_dsn_set_a_server_error_reaches_sentry(tmp_path, sentry, monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", sentry.dsn)
    server = Server(tmp_path, database_url=DEAD_DATABASE, redis_url=DEAD_REDIS)
    try:
        status = server.get("/")[0]
    finally:
        server.stop()  # gunicorn's workers flush Sentry's queue on the way out

    assert status == 503
    assert any('"type":"ConnectionError"' in envelope for envelope in sentry.envelopes), (
        sentry.envelopes
    )
