"""/healthz, /readyz, and what visitors get while the database or the cache is down: real
servers, started here, pointed at ports where nothing answers."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def test_healthz_answers_for_any_host_over_plain_http(db):
    response = Client().get("/healthz", HTTP_HOST="10.0.0.5")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_answers_200_when_the_database_cache_and_storage_answer(db):
    response = Client().get("/readyz/", HTTP_HOST="10.0.0.5")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "storage": "ok"}


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (as good as a stopped server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


class Server:
    """The site under gunicorn and production settings, on 127.0.0.1."""

    def __init__(
        self, tmp_path, *, database_url: str, redis_url: str, procfile=False, environ=None
    ):
        self.port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "coachhouse.settings.production",
            "SECRET_KEY": "health-test-only-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": f"health-test-{self.port}",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "STATIC_ROOT": str(tmp_path / "static"),
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "1",
            **(environ or {}),
        }
        command = [str(GUNICORN), "coachhouse.wsgi:application"]
        if procfile:  # the Procfile's `web`: its config file (which binds every interface)
            command += ["--config", "gunicorn.conf.py"]
        else:
            command += ["--bind", f"127.0.0.1:{self.port}", "--workers", "1"]
            command += ["--log-level", "warning", "--no-control-socket"]
        self.log = (tmp_path / "gunicorn.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command: gunicorn, our app
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError((tmp_path / "gunicorn.log").read_text())

    def get(self, path: str, **headers) -> tuple[int, dict, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"X-Forwarded-Proto": "https", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return (
                    response.status,
                    dict(response.headers),
                    response.read().decode(errors="replace"),
                )
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=10)
        self.log.close()
        self.log_text = Path(self.log.name).read_text()


@pytest.fixture
def server(tmp_path, request):
    database_url, redis_url = request.param
    if redis_url == "live":
        if not redis_reachable():
            pytest.skip(
                "Needs Redis on 127.0.0.1:6379: start it (on Debian: apt-get install "
                "redis-server) and run the tests again."
            )
        redis_url = "redis://127.0.0.1:6379/14"
    started = Server(tmp_path, database_url=database_url, redis_url=redis_url)
    yield started
    started.stop()


DEAD_DATABASE = f"postgres://postgres@127.0.0.1:{free_port()}/coachhouse"
DEAD_REDIS = f"redis://127.0.0.1:{free_port()}/0"


@pytest.mark.parametrize(
    "server",
    [(DEAD_DATABASE, DEAD_REDIS), (DEAD_DATABASE, "live")],
    ids=["database and cache down", "database down"],
    indirect=True,
)
def test_while_the_database_is_down_visitors_are_asked_to_come_back(server):
    status, headers, body = server.get("/")

    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "We’ll be back in a moment" in body
    assert "Nothing you saved is lost" in body
    assert server.get("/healthz")[0] == 200


@pytest.mark.parametrize(
    ("server", "cache_state"),
    [((DEAD_DATABASE, DEAD_REDIS), "unavailable"), ((DEAD_DATABASE, "live"), "ok")],
    ids=["database and cache down", "database down"],
    indirect=["server"],
)
def test_readyz_names_what_does_not_answer_within_two_seconds(server, cache_state):
    started = time.monotonic()
    status, _, body = server.get("/readyz")
    elapsed = time.monotonic() - started

    assert status == 503
    assert json.loads(body) == {
        "database": "unavailable",
        "cache": cache_state,
        "storage": "ok",
    }
    assert elapsed < 2


def test_the_web_process_logs_one_line_a_request_with_its_id(tmp_path):
    server = Server(tmp_path, database_url=DEAD_DATABASE, redis_url=DEAD_REDIS, procfile=True)
    try:
        status, headers, _ = server.get("/healthz", **{"X-Request-ID": "edge-5be1c0de"})
        server.get("/")  # a 503 while the database is down: its own line and id
    finally:
        server.stop()

    assert (status, headers["X-Request-ID"]) == (200, "edge-5be1c0de")
    [health] = [line for line in server.log_text.splitlines() if "id=edge-5be1c0de" in line]
    assert '"GET /healthz HTTP/1.1" 200' in health
    [page] = [line for line in server.log_text.splitlines() if '"GET / HTTP' in line]
    assert '"GET / HTTP/1.1" 503' in page
    assert re.search(r" id=[0-9a-f]{32} ", page)
