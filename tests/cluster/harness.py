"""Two app servers behind a real load balancer, for the `cluster` tests.

`Cluster` starts, on 127.0.0.1 and each on a free port:

- a PostgreSQL database of its own (a random name, created and dropped here on the server the
  test settings use; the test database is never touched), a Redis database number of its own
  (one that was empty, never the suite's; only this run's keys are deleted when done) and
  moto's S3 server with a bucket;
- an SMTP server that keeps every message (`MailSink`);
- the Procfile's processes with the production settings: the release (migrate, collectstatic,
  the media bucket), the demo content, two `web` servers (A and B, two gunicorn workers each),
  one `worker`;
- nginx, balancing A and B round robin, with the settings a real deployment would use.

Everything runs in its own process group and is stopped (SIGTERM, then SIGKILL) when the
cluster stops, whatever happened; the database is dropped. `Visitor` is one browser: its own
cookies, and its own address on the loopback network (127.x.y.z), so each simulated person is
a different client address to the balancer and to the rate limits.
"""

import base64
import contextlib
import hashlib
import hmac
import http.client
import itertools
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import psycopg
import redis
from bs4 import BeautifulSoup
from honcho.environ import parse_procfile
from psycopg import sql
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from tests.s3_server import S3Server

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin") or "nginx"
EDITOR_EMAIL = "editor@coachhouse.localhost"
COACH_EMAIL = "coach@cluster.test"
# The only variables taken from the caller's environment; everything else is set here.
PASSED_THROUGH = ("HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


def procfile_steps(process: str) -> list[list[str]]:
    """A Procfile process's commands (steps joined by &&), as honcho reads them."""
    command = parse_procfile((ROOT / "Procfile").read_text()).processes[process]
    return [shlex.split(step) for step in command.split("&&")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def say(message: str) -> None:
    """A progress line, shown under `pytest -s`."""
    sys.stderr.write(f"[cluster {time.strftime('%H:%M:%S')}] {message}\n")


# Processes -----------------------------------------------------------------------------------


class Process:
    """A command in its own process group, logging to a file; stopped as a group."""

    def __init__(self, name: str, command: list[str], *, env: dict, log: Path):
        self.name, self.command, self.env, self.log_path = name, command, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> "Process":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own commands, no shell
                self.command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a group of its own: killed as one, master and workers
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group at once, as when the machine under it dies."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
        # Whatever did not stop in time, and any orphan left in the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(f"    {line}" for line in text)


# Mail ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    recipients: tuple[str, ...]
    subject: str
    body: str
    received_at: float


class _SmtpSession(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        try:
            self.converse()
        except ConnectionError:  # the sender died mid-message (server A, killed)
            self.server.sink.cut_off += 1

    def converse(self) -> None:
        self.reply("220 cluster-sink ESMTP")
        recipients: list[str] = []
        while raw := self.rfile.readline(65536):
            verb, _, argument = raw.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb == "QUIT":
                self.reply("221 Bye")
                return
            if verb == "RCPT":
                recipients.append(argument.split(":", 1)[-1].strip().strip("<>").lower())
            elif verb in ("MAIL", "RSET"):
                recipients = []
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (line := self.rfile.readline(65536)) not in (b".\r\n", b".\n"):
                    if not line:
                        raise ConnectionResetError("the sender hung up before the end of DATA")
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.sink.keep(recipients, b"".join(lines))
                recipients = []
            elif verb not in ("EHLO", "HELO", "NOOP"):
                self.reply("502 Command not implemented")
                continue
            self.reply("250 OK")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class MailSink:
    """An SMTP server on 127.0.0.1 that keeps every message it is given."""

    def __init__(self):
        self.server = _SmtpServer((HOST, 0), _SmtpSession)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.url = f"smtp://{HOST}:{self.port}?tls=0&timeout=5"
        self._messages: list[Mail] = []
        self.cut_off = 0  # conversations that ended before their message was complete
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def keep(self, recipients: list[str], data: bytes) -> None:
        message = BytesParser(policy=policy.default).parsebytes(data)
        body = message.get_body(preferencelist=("plain", "html"))
        mail = Mail(
            recipients=tuple(sorted(recipients)),
            subject=str(message.get("Subject", "")),
            body=body.get_content() if body is not None else "",
            received_at=time.time(),
        )
        with self._lock:
            self._messages.append(mail)
            self._lock.notify_all()

    @property
    def messages(self) -> list[Mail]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, recipient: str, *, timeout: float = 30.0) -> Mail:
        """The first message to `recipient`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for mail in self._messages:
                    if recipient.lower() in mail.recipients:
                        return mail
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no email reached {recipient} in {timeout:.0f} s")
                self._lock.wait(left)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# Visitors ------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    url: str
    started: float = 0.0
    finished: float = 0.0

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str, default: str = "") -> str:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return default

    @property
    def location(self) -> str:
        return self.header("Location")

    @property
    def upstream(self) -> str:
        """The app server(s) nginx passed the request to, as it reports them."""
        return self.header("X-Upstream")


_addresses = itertools.count(1)
_address_lock = threading.Lock()


def new_client_address() -> str:
    """A loopback address no other visitor of this run has: 127.1.0.1, 127.1.0.2, ..."""
    with _address_lock:
        while True:
            number = next(_addresses)
            if 0 < number & 255 < 255:
                return f"127.{1 + (number >> 16)}.{(number >> 8) & 255}.{number & 255}"


class Visitor:
    """One browser: its cookies, sent to every port of 127.0.0.1 (as a browser does: cookies
    do not depend on the port), and its own client address."""

    timeout = 30.0

    def __init__(self, address: str | None = None):
        self.address = address or new_client_address()
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        url: str,
        *,
        data: dict | list | None = None,
        body: bytes | None = None,
        headers: dict | None = None,
    ) -> Response:
        parts = urlsplit(url)
        sent = {"Origin": f"{parts.scheme}://{parts.netloc}", "User-Agent": "cluster-test"}
        if method == "GET":
            del sent["Origin"]
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        started = time.time()
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=self.timeout, source_address=(self.address, 0)
        )
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            response = Response(answer.status, answer.getheaders(), answer.read(), url, started)
        finally:
            connection.close()
        response.finished = time.time()
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                self._keep_cookie(value)
        return response

    def _keep_cookie(self, header: str) -> None:
        cookie = SimpleCookie()
        cookie.load(header)
        for morsel in cookie.values():
            if morsel.value and morsel["max-age"] not in ("0", 0):
                self.cookies[morsel.key] = morsel.value
            else:
                self.cookies.pop(morsel.key, None)

    def get(self, url: str, **kwargs) -> Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, data=None, **kwargs) -> Response:
        return self.request("POST", url, data=data, **kwargs)

    def follow(self, response: Response, limit: int = 6) -> Response:
        """Follow redirects with GETs, as a browser does after a form."""
        for _ in range(limit):
            if response.status not in (301, 302, 303, 307, 308):
                return response
            response = self.get(urljoin(response.url, response.location))
        return response

    @property
    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")


def form_data(html: str, *, selector: str = "form[method=post]") -> tuple[str, list]:
    """The first form matching `selector`: its action and the fields a browser would send."""
    form = BeautifulSoup(html, "html.parser").select_one(selector)
    assert form is not None, f"no form matching {selector!r} on the page"
    fields = []
    for control in form.find_all(["input", "textarea", "select"]):
        name = control.get("name")
        kind = (control.get("type") or "text").lower()
        if not name or control.has_attr("disabled") or kind in ("submit", "button", "file"):
            continue
        if kind in ("checkbox", "radio"):
            if control.has_attr("checked"):
                fields.append((name, control.get("value", "on")))
        elif control.name == "textarea":
            fields.append((name, control.text.removeprefix("\n")))
        elif control.name == "select":
            chosen = control.find("option", selected=True) or control.find("option")
            if chosen is not None:
                fields.append((name, chosen.get("value", chosen.text)))
        else:
            fields.append((name, control.get("value", "")))
    return unescape(form.get("action") or ""), fields


def with_values(fields: list, values: dict) -> list:
    """A form's fields with some replaced (or added): what a person typed."""
    kept = [(name, value) for name, value in fields if name not in values]
    return kept + list(values.items())


def multipart(fields: list, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body: fields as (name, value), files as name: (filename, bytes)."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def totp(secret: str, at: float | None = None) -> str:
    """The six-digit code an authenticator app shows for this key (RFC 6238: SHA-1, 30 s)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 15
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


SIGN_IN_CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")


# The cluster ---------------------------------------------------------------------------------


NGINX_CONF = """\
worker_processes 1;
pid {dir}/nginx.pid;
error_log {logs}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    log_format upstreams '$remote_addr "$request" $status $upstream_addr $upstream_status '
                         '$request_time';
    access_log {logs}/nginx-access.log upstreams;
    client_max_body_size 20m;

    # Round robin. A server that fails once is left out for 5 s, then tried again.
    upstream app {{
        server {host}:{port_a} max_fails=1 fail_timeout=5s;
        server {host}:{port_b} max_fails=1 fail_timeout=5s;
    }}

    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://app;
            # The Host the visitor asked for, with its port (this balancer's is not 80):
            # Django checks the Origin of every form against it.
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A request no server has seen goes to the next one. nginx's default, kept: a POST
            # already sent to a server that then fails is not sent again (it may have been
            # done), and the visitor gets the 502.
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Cluster:
    """See the module docstring. `start()` and `stop()`; `stop()` is safe after any failure."""

    def __init__(self, *, postgres: dict, redis_url: str, workdir: Path):
        self.postgres = postgres
        self.redis_base = redis_url
        self.dir = workdir
        self.token = secrets.token_hex(4)
        self.database = f"coachhouse_cluster_{self.token}"
        self.cache_prefix = f"coachhouse-cluster-{self.token}"
        self.editor_password = secrets.token_urlsafe(18)
        self.port_a, self.port_b, self.port = free_port(), free_port(), free_port()
        self.a = f"http://{HOST}:{self.port_a}"
        self.b = f"http://{HOST}:{self.port_b}"
        self.balancer = f"http://{HOST}:{self.port}"
        self.s3: S3Server | None = None
        self.bucket = ""
        self.sink: MailSink | None = None
        self.redis_url = ""
        self._redis_claim: tuple[redis.Redis, str] | None = None
        self.processes: dict[str, Process] = {}
        self.database_created = False
        self.nginx_dir: Path | None = None

    # Life cycle ------------------------------------------------------------------------------

    def start(self) -> "Cluster":
        began = time.monotonic()
        self._create_database()
        self._claim_redis_database()
        self.s3 = S3Server()
        self.bucket = f"coachhouse-cluster-{self.token}"
        self.sink = MailSink()
        self.env = self._environment()
        self._release()
        say(f"release done in {time.monotonic() - began:.1f} s")
        self.processes["A"] = self._web("A", self.port_a).start()
        self.processes["B"] = self._web("B", self.port_b).start()
        [worker] = procfile_steps("worker")
        self.processes["worker"] = Process(
            "worker", self._venv(worker), env=self.env, log=self.dir / "worker.log"
        ).start()
        self.processes["nginx"] = self._nginx().start()
        for base in (self.a, self.b, self.balancer):
            self.wait_until_ready(base)
        say(f"cluster up in {time.monotonic() - began:.1f} s: balancer {self.balancer}")
        return self

    def stop(self) -> None:
        """Stop everything that was started; each step runs even if one before it failed."""
        steps = [process.stop for process in self.processes.values()]
        steps += [self.sink.stop] if self.sink is not None else []
        steps += [self.s3.stop] if self.s3 is not None else []
        steps += [self._release_redis_database, self._drop_database]
        if self.nginx_dir is not None:
            steps.append(lambda: shutil.rmtree(self.nginx_dir, ignore_errors=True))
        failures = []
        for step in steps:
            try:
                step()
            except Exception as error:  # noqa: BLE001 - raised below, after the other steps
                failures.append(error)
        if failures:
            raise failures[0]

    def logs(self, lines: int = 25) -> str:
        parts = [
            f"  {name}:\n{process.log_tail(lines)}" for name, process in self.processes.items()
        ]
        if (self.dir / "nginx-error.log").exists():
            errors = (self.dir / "nginx-error.log").read_text(errors="replace").splitlines()
            parts.append("  nginx error.log:\n" + "\n".join(f"    {e}" for e in errors[-lines:]))
        return "\n".join(parts)

    # Pieces ----------------------------------------------------------------------------------

    def _server_dsn(self, database: str) -> str:
        p = self.postgres
        user = quote(p.get("USER") or "postgres", safe="")
        password = f":{quote(p['PASSWORD'], safe='')}" if p.get("PASSWORD") else ""
        server = f"{p.get('HOST') or HOST}:{p.get('PORT') or 5432}"
        return f"postgres://{user}{password}@{server}/{database}"

    @property
    def database_url(self) -> str:
        return self._server_dsn(self.database)

    def _create_database(self) -> None:
        with psycopg.connect(self._server_dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
        self.database_created = True

    def _drop_database(self) -> None:
        if not self.database_created:
            return
        with psycopg.connect(self._server_dsn("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.database)
                )
            )
        self.database_created = False

    def _claim_redis_database(self) -> None:
        """An empty Redis database number, marked as ours for the run; never the suite's own."""
        parts = urlsplit(self.redis_base)
        own = int(parts.path.strip("/") or 0)
        claim = f"coachhouse-cluster-claim:{self.token}"
        for number in range(15, 0, -1):
            if number == own:
                continue
            url = parts._replace(path=f"/{number}").geturl()
            client = redis.Redis.from_url(url)
            if client.dbsize() == 0 and client.set(claim, "1", nx=True, ex=3600):
                if client.dbsize() == 1:
                    self.redis_url, self._redis_claim = url, (client, claim)
                    return
                client.delete(claim)
        raise RuntimeError("No empty Redis database (1-15) to run the cluster in.")

    def _release_redis_database(self) -> None:
        """Delete this run's keys (its cache prefix) and the claim; nobody else's."""
        if self._redis_claim is not None:
            client, claim = self._redis_claim
            for key in client.scan_iter(match=f"{self.cache_prefix}:*", count=1000):
                client.delete(key)
            client.delete(claim)
            self._redis_claim = None

    def _environment(self) -> dict:
        env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
        env.update(
            PATH=f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            DJANGO_SETTINGS_MODULE="coachhouse.settings.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            CACHE_KEY_PREFIX=self.cache_prefix,
            # Plain HTTP on this machine: no TLS proxy in front of the balancer here.
            LOCAL_HTTP="true",
            # nginx is the one proxy: the rate limits count the address it saw.
            TRUSTED_PROXY_COUNT="1",
            BASE_URL=self.balancer,
            EMAIL_URL=self.sink.url,
            EMAIL_RETRY_DELAYS="2,5,10",
            COACH_EMAIL=COACH_EMAIL,
            DEMO_EDITOR_PASSWORD=self.editor_password,
            MEDIA_ROOT=str(self.dir / "media"),
            STATIC_ROOT=str(self.dir / "static"),
            WEB_CONCURRENCY="2",
            PYTHONUNBUFFERED="1",
            **self.s3.environ(self.bucket),
        )
        return env

    @staticmethod
    def _venv(command: list[str]) -> list[str]:
        program = VENV_BIN / command[0]
        return [str(program), *command[1:]] if program.exists() else command

    def manage(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(  # noqa: S603 - this interpreter, our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    def _release(self) -> None:
        """The Procfile's release, less its deploy checks (they ask for HTTPS, which this run
        on 127.0.0.1 does without), then the demo content."""
        for step in procfile_steps("release"):
            if step[:3] == ["python", "manage.py", "check"]:
                continue
            assert step[:2] == ["python", "manage.py"], f"release step {step} is not manage.py"
            self.manage(*step[2:])
        self.manage("load_demo")

    def _web(self, name: str, port: int) -> Process:
        env = {**self.env, "PORT": str(port), "GUNICORN_CMD_ARGS": f"--bind {HOST}:{port}"}
        [web] = procfile_steps("web")
        return Process(name, self._venv(web), env=env, log=self.dir / f"web-{name}.log")

    def _nginx(self) -> Process:
        # Its temporary files outside pytest's private tmp folder: nginx's workers may run as
        # another user (its master, which opens the logs, as this one).
        self.nginx_dir = Path(tempfile.mkdtemp(prefix="coachhouse-cluster-nginx-"))
        self.nginx_dir.chmod(0o755)
        (self.nginx_dir / "tmp").mkdir()
        conf = self.nginx_dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                dir=self.nginx_dir,
                logs=self.dir,
                host=HOST,
                port=self.port,
                port_a=self.port_a,
                port_b=self.port_b,
            )
        )
        command = [NGINX, "-p", str(self.nginx_dir), "-e", str(self.dir / "nginx-error.log")]
        command += ["-c", str(conf), "-g", "daemon off;"]
        return Process("nginx", command, env=self.env, log=self.dir / "nginx.log")

    def wait_until_ready(self, base: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            for process in self.processes.values():
                if process.process is not None and not process.running:
                    raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
            try:
                response = Visitor(HOST).get(f"{base}/readyz")
                if response.status == 200:
                    return
                last = f"{response.status} {response.text}"
            except OSError as error:
                last = repr(error)
            time.sleep(0.2)
        raise RuntimeError(f"{base}/readyz did not answer 200 in {timeout:.0f} s: {last}")

    # What the tests do to it -----------------------------------------------------------------

    def kill_a(self) -> float:
        """SIGKILL server A's master and workers at once. Returns when its port stopped taking
        connections: a request sent to it until then may be lost with it."""
        self.processes["A"].kill()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, self.port_a), timeout=1).close()
            except ConnectionRefusedError:
                return time.time()
            time.sleep(0.001)
        raise RuntimeError("server A's port still takes connections 10 s after SIGKILL")

    def restart_a(self, timeout: float = 30.0) -> None:
        """Start server A again, and wait until the balancer sends it requests again (nginx
        tries a failed server again `fail_timeout` after its last failure)."""
        self.processes["A"] = self._web("A", self.port_a).start()
        self.wait_until_ready(self.a)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            upstream = Visitor(HOST).get(f"{self.balancer}/healthz").upstream
            if upstream.split(",")[-1].strip() == f"{HOST}:{self.port_a}":
                return
            time.sleep(0.25)
        raise RuntimeError(f"the balancer did not send server A a request in {timeout:.0f} s")

    def query(self, statement: str, params=()) -> list[tuple]:
        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            return conn.execute(statement, params).fetchall()

    def wait_for_tasks(self, timeout: float = 60.0) -> int:
        """Wait until the worker has no task left to run; returns how many are left."""
        deadline = time.monotonic() + timeout
        while True:
            [(left,)] = self.query(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE status IN ('READY', 'RUNNING')"
            )
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.5)

    # People ----------------------------------------------------------------------------------

    def seed_learners(self, tag: str, count: int) -> list[tuple[str, Visitor]]:
        """`count` learners enrolled in the course, each signed in in a browser of their own
        (tests/cluster/seed_learners.py makes them in the database)."""
        seeded = subprocess.run(  # noqa: S603 - this interpreter, our own script
            [sys.executable, str(Path(__file__).with_name("seed_learners.py")), tag, str(count)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if seeded.returncode:
            raise RuntimeError(f"seeding learners failed:\n{seeded.stdout}{seeded.stderr}")
        learners = []
        for line in seeded.stdout.splitlines():
            learner = json.loads(line)
            visitor = Visitor()
            visitor.cookies[learner["cookie"]] = learner["session_key"]
            learners.append((learner["email"], visitor))
        return learners

    def editor_on(self, base: str) -> Visitor:
        """The demo editor, signed in to the admin on `base` with their password and a code
        from their authenticator app (set up on the first sign-in, as the site asks)."""
        editor = Visitor(HOST)
        page = editor.get(f"{base}/admin/login/")
        _, fields = form_data(page.text, selector="form:has(input[name=password])")
        fields = with_values(
            fields, {"username": EDITOR_EMAIL, "password": self.editor_password, "next": "/admin/"}
        )
        signed_in = editor.post(f"{base}/admin/login/", fields)
        assert signed_in.status == 302, f"admin sign-in answered {signed_in.status}"
        asked = editor.follow(editor.get(f"{base}/admin/"), limit=1)
        if "/admin/2fa/setup/" in asked.url:
            self.totp_secret = re.search(r'class="secret-key">([A-Z2-7]+)<', asked.text).group(1)
        action, fields = form_data(asked.text, selector="form:has(input[name=code])")
        # A code is good once, and for its 30 seconds: wait for the next one if this one was
        # used a moment ago or is about to run out, as a person would.
        if totp(self.totp_secret) == getattr(self, "_last_code", None) or time.time() % 30 > 27:
            time.sleep(30 - time.time() % 30 + 0.5)
        code = totp(self.totp_secret)
        self._last_code = code
        given = editor.post(urljoin(asked.url, action), with_values(fields, {"code": code}))
        assert given.status in (200, 302), f"the admin's second factor answered {given.status}"
        assert editor.get(f"{base}/admin/").status == 200, "the editor is not in the admin"
        return editor

    def sign_up_for_course(self, base: str, course_id: int, email: str) -> Visitor:
        """A reader starts the course: their email, the emailed code, and lesson 1."""
        reader = Visitor()
        start = reader.get(f"{base}/learn/{course_id}/start/")
        action, fields = form_data(start.text, selector="form[action^='/accounts/signup/']")
        sent = reader.post(urljoin(start.url, action), with_values(fields, {"email": email}))
        assert sent.status == 302, f"sign-up answered {sent.status}"
        code_page = reader.get(urljoin(sent.url, sent.location))
        code = SIGN_IN_CODE.search(self.sink.wait_for(email).subject).group(0)
        action, fields = form_data(code_page.text, selector="form:has(input[name=code])")
        target = urljoin(code_page.url, action or code_page.url)
        confirmed = reader.follow(reader.post(target, with_values(fields, {"code": code})))
        assert confirmed.status == 200, f"the code led to {confirmed.status} at {confirmed.url}"
        return reader


# The admin -----------------------------------------------------------------------------------


def admin_publish(editor: Visitor, base: str, page_id: int, values: dict, body: list) -> None:
    """Change a page in the admin's edit form and press Publish, as the editor does.

    `body` is the page's StreamField as (block type, value) pairs: the admin builds those
    fields in the browser, so they are given here as its script would post them.
    """
    edit_url = f"{base}/admin/pages/{page_id}/edit/"
    page = editor.get(edit_url)
    assert page.status == 200, f"the edit page answered {page.status}"
    action, fields = form_data(page.text, selector="form#page-edit-form")
    changes = {
        **values,
        **nested_form_data({"body": streamfield(body), "comments": inline_formset([])}),
        "action-publish": "action-publish",
    }
    published = editor.post(urljoin(edit_url, action), with_values(fields, changes))
    problems = re.findall(r'class="error-message"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)', published.text)
    assert published.status == 302, f"publishing answered {published.status}: {problems}"


def admin_upload_image(
    editor: Visitor, base: str, *, title: str, description: str, filename: str, content: bytes
) -> None:
    """Add an image in the admin's image form."""
    add_url = f"{base}/admin/images/add/"
    page = editor.get(add_url)
    action, fields = form_data(page.text, selector="form:has(input[type=file])")
    body, content_type = multipart(
        with_values(fields, {"title": title, "description": description}),
        {"file": (filename, content)},
    )
    added = editor.request(
        "POST", urljoin(add_url, action), body=body, headers={"Content-Type": content_type}
    )
    assert added.status == 302, f"the image upload answered {added.status}"


def rich_text_block(html: str) -> tuple[str, str]:
    return ("rich_text", rich_text(html))
