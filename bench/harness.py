"""Shared machinery for the benchmarks: scratch databases, gunicorn and locust on 127.0.0.1.

`make bench` (bench/pages.py) and `make loadtest` build on these pieces:

- `prepare_database(url)` empties a scratch database (drops and recreates a PostgreSQL one,
  deletes a SQLite file); callers migrate it with `manage("migrate", env=...)`.
- `Gunicorn(env)` serves a WSGI app on 127.0.0.1 in its own process group and stops the whole
  group on exit, whatever ends the block (an exception, Ctrl-C, SIGTERM); if this process is
  killed outright, the kernel sends the server SIGTERM (PR_SET_PDEATHSIG, which Linux ties to
  the thread that started the server: start servers from a thread that outlives them).
- `run_locust(locustfile, host)` runs locust headless against 127.0.0.1 and returns its
  figures per request name.

Nothing here imports Django, so a script can use it before choosing its settings.
"""

import contextlib
import csv
import ctypes
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
HOST = "127.0.0.1"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SYSTEM_DATABASES = {"postgres", "template0", "template1"}
# Settings that must come from the caller's env, never leak in from the shell.
LEAKY_VARIABLES = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def base_env(**overrides: str) -> dict:
    """This process's environment without Django/database settings, plus `overrides`."""
    env = {key: value for key, value in os.environ.items() if key not in LEAKY_VARIABLES}
    env.update(overrides)
    return env


def prepare_database(url: str) -> None:
    """Empty a scratch database: drop and recreate a PostgreSQL one, delete a SQLite file."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        name = parts.path.lstrip("/")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name in SYSTEM_DATABASES:
            raise ValueError(f"Refusing to drop the database {name!r}.")
        if parts.hostname not in LOCAL_HOSTS:
            raise ValueError(f"Refusing to drop a database on {parts.hostname!r}: 127.0.0.1 only.")
        import psycopg
        from psycopg import sql

        maintenance = parts._replace(path="/postgres").geturl()
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    elif parts.scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else parts.path)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        raise ValueError(f"Unsupported database URL: {url}")


def postgres_reachable(url: str) -> str | None:
    """None if the PostgreSQL server in `url` answers, otherwise the reason it does not."""
    import psycopg

    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(maintenance, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)


def manage(*args: str, env: dict) -> None:
    """Run `manage.py` with these arguments in exactly this environment; raise on failure."""
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=True)


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the process that started us dies (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _sigterm_as_exit(signum, frame):
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_held():
    """Ignore Ctrl-C and SIGTERM for the length of a clean-up, so neither cuts it short."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)


class Gunicorn:
    """A gunicorn server on 127.0.0.1 for the length of a `with` block.

    It runs in its own process group; leaving the block (normally, by an exception, Ctrl-C or
    SIGTERM to this process) sends the group SIGTERM, then SIGKILL after `stop_timeout`.
    Its log (stdout and stderr) is kept in a temporary file: `log_tail()` reads the end.
    """

    start_timeout = 60.0
    stop_timeout = 10.0

    def __init__(
        self,
        env: dict,
        *,
        port: int | None = None,
        workers: int = 2,
        app: str = "coachhouse.wsgi:application",
        cwd: Path = ROOT,
        extra_args: list[str] = (),
    ):
        self.env = env
        self.port = port or free_port()
        self.workers = workers
        self.app = app
        self.cwd = Path(cwd)
        self.extra_args = list(extra_args)
        self.url = f"http://{HOST}:{self.port}"
        self.process: subprocess.Popen | None = None
        self._log = None
        self._log_text = ""
        self._previous_sigterm = None

    def command(self) -> list[str]:
        return [
            str(BIN / "gunicorn"),
            self.app,
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            # The benches' own config, for the floor and the site alike (see that file).
            "--config",
            str(BENCH_DIR / "gunicorn.conf.py"),
            *self.extra_args,
        ]

    def __enter__(self) -> "Gunicorn":
        if self._can_handle_signals() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            # Python's default SIGTERM ends the process without running `finally` or __exit__.
            self._previous_sigterm = signal.signal(signal.SIGTERM, _sigterm_as_exit)
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop())
            prefix="gunicorn-", suffix=".log", delete=False
        )
        try:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as one
                preexec_fn=_die_with_parent,
            )
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @staticmethod
    def _can_handle_signals() -> bool:
        import threading

        return threading.current_thread() is threading.main_thread()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn {self.app} exited with {self.process.returncode}:\n"
                    + self.log_tail()
                )
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=10)
                conn.request("GET", "/", headers={"X-Forwarded-Proto": "https"})
                conn.getresponse().read()  # any HTTP answer means the server is up
                conn.close()
                if len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"gunicorn {self.app} did not answer on {self.url} within "
            f"{self.start_timeout:.0f} s:\n" + self.log_tail()
        )

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after `stop_timeout`."""
        try:
            with _signals_held():
                self._stop()
        finally:
            if self._previous_sigterm is not None:
                signal.signal(signal.SIGTERM, self._previous_sigterm)
                self._previous_sigterm = None

    def _stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            pgid = process.pid  # start_new_session: the master leads its own group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=self.stop_timeout)
            # Workers or a master that did not stop in time, and any orphans of the group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=self.stop_timeout)
        if self._log is not None:
            # Keep the end of the log for log_tail(); the file goes.
            self._log.close()
            self._log_text = self._read_log()
            Path(self._log.name).unlink(missing_ok=True)
            self._log = None

    def _read_log(self) -> str:
        text = Path(self._log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-200:])

    def log_offset(self) -> int:
        """Where the log ends now; `log_since(offset)` reads what was written after it."""
        return Path(self._log.name).stat().st_size if self._log is not None else 0

    def log_since(self, offset: int) -> str:
        if self._log is None:
            return ""
        with open(self._log.name, "rb") as file:
            file.seek(offset)
            return file.read().decode(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines gunicorn (and the app) wrote, during or after the run."""
        text = self._read_log() if self._log is not None else self._log_text
        return "\n".join(text.splitlines()[-lines:])

    def worker_pids(self) -> list[int]:
        """The worker processes: the master's children, read from /proc."""
        if self.process is None:
            return []
        master = self.process.pid
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may contain spaces and parentheses; fields follow the last ")".
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == master:
                pids.append(int(entry.name))
        return sorted(pids)

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker, in MB (VmRSS from /proc/<pid>/status)."""
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes


def _seconds(run_time: str) -> float:
    """Locust's run-time syntax (20s, 1m30s, 2m, 1h) in seconds."""
    total = 0.0
    for amount, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([hms]?)", run_time):
        total += float(amount) * {"h": 3600, "m": 60, "s": 1, "": 1}[unit]
    return total


def run_locust(
    locustfile: Path,
    host: str,
    *,
    users: int = 16,
    run_time: str = "20s",
    env: dict | None = None,
    tags=None,
) -> dict:
    """Run locust headless against `host` (127.0.0.1 only) and return its figures by name.

    Each name maps to requests, failures, rps, p50 and p99 (milliseconds), and `errors`: the
    distinct failure messages with their counts. The totals are under "Aggregated".
    """
    parts = urlsplit(host)
    if parts.hostname != HOST:
        raise ValueError(f"Locust may only target {HOST}, not {host!r}.")
    workdir = Path(tempfile.mkdtemp(prefix="locust-"))
    prefix = workdir / "run"
    command = [
        str(BIN / "locust"),
        "-f",
        str(locustfile),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "--run-time",
        run_time,
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "5",
        "--loglevel",
        "WARNING",
    ]
    if tags:
        command += ["--tags", *tags]
    timeout = _seconds(run_time) + 60
    process = subprocess.Popen(
        command,
        cwd=Path(locustfile).resolve().parent,
        env=env if env is not None else dict(os.environ),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except BaseException:
        with _signals_held():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            shutil.rmtree(workdir, ignore_errors=True)
        raise
    try:
        stats_file = Path(f"{prefix}_stats.csv")
        if not stats_file.exists():
            raise RuntimeError(
                f"locust exited with {process.returncode} and wrote no statistics:\n"
                + "\n".join(output.splitlines()[-30:])
            )
        results = _read_stats(stats_file)
        for name, message, count in _read_failures(Path(f"{prefix}_failures.csv")):
            results.setdefault(name, _empty_figures())["errors"].append(f"{count}x {message}")
        return results
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _empty_figures() -> dict:
    return {"requests": 0, "failures": 0, "rps": 0.0, "p50": 0.0, "p99": 0.0, "errors": []}


def _number(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):  # "N/A" when there were no requests
        return 0.0


def _read_stats(path: Path) -> dict:
    results = {}
    with path.open(newline="") as file:
        for row in csv.DictReader(file):
            results[row["Name"]] = {
                "requests": int(_number(row["Request Count"])),
                "failures": int(_number(row["Failure Count"])),
                "rps": _number(row["Requests/s"]),
                "p50": _number(row["50%"]),
                "p99": _number(row["99%"]),
                "errors": [],
            }
    return results


def _read_failures(path: Path) -> list[tuple[str, str, int]]:
    if not path.exists():
        return []
    with path.open(newline="") as file:
        return [
            (row["Name"], _unwrap(row["Error"]), int(_number(row["Occurrences"])))
            for row in csv.DictReader(file)
        ]


def _unwrap(error: str) -> str:
    """`CatchResponseError('status 500')`, as locust writes a failure, is `status 500`."""
    match = re.fullmatch(r"""CatchResponseError\((['"])(.*)\1\)""", error, re.DOTALL)
    return match.group(2) if match else error


def cpu_busy_percent(interval: float = 1.0) -> float:
    """How busy the machine's CPUs are over `interval` seconds (from /proc/stat), in percent.

    Sampled while the benchmark itself is idle, it tells whether other processes would
    compete with the servers under test.
    """

    def sample() -> tuple[int, int]:
        fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
        idle = fields[3] + fields[4]  # idle and iowait
        return idle, sum(fields)

    idle_before, total_before = sample()
    time.sleep(interval)
    idle_after, total_after = sample()
    total = total_after - total_before
    return 100.0 * (1 - (idle_after - idle_before) / total) if total else 0.0
