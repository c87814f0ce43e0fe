"""`make loadtest`: the site under load, then under load with faults, and what it lost.

Two scenarios of the same locust mix (bench/locust_load.py: readers, learners completing
lessons, wait-list sign-ups, Stripe webhooks) against gunicorn (2 workers, production
settings) on 127.0.0.1, PostgreSQL (the scratch database `coachhouse_load`), Redis (db 14,
flushed first), a supervised `db_worker` and an SMTP sink in this process:

- steady: everything up for the whole run;
- faults: the mail server refuses every connection (then is down altogether) throughout the
  load, and PostgreSQL is restarted 60 seconds in; afterwards the mail server comes back and
  the worker is given a bounded time to deliver what it owes.

Then it compares what the site acknowledged with what the database holds and what the mail
server received, prints the figures and PASS/FAIL per expectation, and exits non-zero on a
FAIL. Everything it starts is stopped on the way out (also on Ctrl-C), and PostgreSQL is left
running.
"""

import argparse
import contextlib
import ctypes
import datetime
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402 (bench/ is not a package)
    PYTHON,
    ROOT,
    Gunicorn,
    base_env,
    free_port,
    manage,
    postgres_reachable,
    prepare_database,
    run_locust,
)
from smtp_sink import SmtpSink  # noqa: E402

BENCH = Path(__file__).resolve().parent
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coachhouse_load"
REDIS_URL = "redis://127.0.0.1:6379/14"
COACH_EMAIL = "coach@load.test"
# A 5xx this long after PostgreSQL answers again still counts as part of the outage.
OUTAGE_GRACE = 10.0
# A task still RUNNING this long after it started belongs to a worker that died mid-task.
STUCK_AFTER = 30.0


def _die_with_parent() -> None:
    """In a child: SIGTERM when the thread that started it dies (Linux PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def _sigterm_as_exit(signum, frame):
    raise SystemExit(128 + signum)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# PostgreSQL ---------------------------------------------------------------------------------


def postgres_cluster(port: int = 5432) -> tuple[str, str]:
    """(version, name) of the local cluster on `port`, from `pg_lsclusters`."""
    output = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == str(port):
            return fields[0], fields[1]
    raise RuntimeError(f"No PostgreSQL cluster on port {port} in pg_lsclusters:\n{output}")


def postgres_ready(port: int = 5432) -> bool:
    result = subprocess.run(
        ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "3"], check=False
    )
    return result.returncode == 0


def wait_for_postgres(timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if postgres_ready():
            return True
        time.sleep(0.5)
    return False


def other_database_clients() -> dict[str, int]:
    """Connections to other databases of the cluster, which a restart cuts too."""
    try:
        with psycopg.connect(DATABASE_URL, connect_timeout=3) as conn:
            rows = conn.execute(
                "SELECT datname, count(*) FROM pg_stat_activity WHERE datname IS NOT NULL "
                "AND datname <> current_database() AND pid <> pg_backend_pid() GROUP BY 1"
            ).fetchall()
    except psycopg.Error:
        return {}
    return dict(rows)


def postgres_restart(cluster: tuple[str, str]) -> None:
    # Its own session: a Ctrl-C here must not interrupt pg_ctlcluster half-way.
    subprocess.run(
        ["pg_ctlcluster", *cluster, "restart"],
        check=True,
        timeout=120,
        start_new_session=True,
        capture_output=True,
    )


def ensure_postgres_running(cluster: tuple[str, str] | None) -> str:
    """Leave PostgreSQL up for the test suite, whatever happened: start it if it is down."""
    if postgres_ready():
        return "PostgreSQL is running (pg_isready)."
    if cluster is None:
        return "PostgreSQL does not answer, and no cluster was found to start."
    subprocess.run(
        ["pg_ctlcluster", *cluster, "start"],
        check=False,
        timeout=120,
        start_new_session=True,
        capture_output=True,
    )
    if wait_for_postgres(60):
        return f"PostgreSQL was down; started cluster {'/'.join(cluster)}; pg_isready answers."
    return f"PostgreSQL is DOWN: cluster {'/'.join(cluster)} did not start."


# The task worker ------------------------------------------------------------------------------


class TaskWorker:
    """`manage.py db_worker`, restarted a second after it exits, as systemd's Restart=always
    would (README: "Run the workers under systemd ... with Restart=always")."""

    stop_timeout = 15.0

    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.log_path = log_path
        self.restarts: list[tuple[float, int]] = []  # (when, exit status)
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._started = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "TaskWorker":
        self._log = self.log_path.open("ab")
        self._thread = threading.Thread(target=self._supervise, name="db-worker", daemon=True)
        self._thread.start()
        self._started.wait(10)
        return self

    def _supervise(self) -> None:
        command = [str(PYTHON), "manage.py", "db_worker", "--no-reload", "--interval", "0.5"]
        while True:
            with self._lock:
                if self._stopping.is_set():
                    return
                self._process = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=self._log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_die_with_parent,
                )
                process = self._process
            self._started.set()
            status = process.wait()
            if self._stopping.is_set():
                return
            self.restarts.append((time.time(), status))
            say(f"db_worker exited with status {status}; restarting it in 1 s")
            self._stopping.wait(1.0)

    def __exit__(self, *exc_info) -> None:
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is not None:
            # SIGTERM lets it finish the task in hand; SIGKILL the group if it takes too long.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=self.stop_timeout)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._log.close()


# Faults ---------------------------------------------------------------------------------------


@dataclass
class Timeline:
    start: float = 0.0
    end: float = 0.0
    pg_restart_begin: float | None = None
    pg_restart_end: float | None = None
    mail_refusing: float | None = None
    mail_down: float | None = None
    mail_back: float | None = None
    drained: float | None = None
    notes: list[str] = field(default_factory=list)

    def outage(self) -> tuple[float, float] | None:
        if self.pg_restart_begin is None:
            return None
        end = self.pg_restart_end or self.end
        return self.pg_restart_begin, end + OUTAGE_GRACE

    def at(self, moment: float | None) -> str:
        return "-" if moment is None else f"{moment - self.start:+.1f} s"


class FaultInjector(threading.Thread):
    """Restarts PostgreSQL at `restart_at` and takes the mail server down at `mail_down_at`
    (seconds after the load starts)."""

    def __init__(self, timeline: Timeline, cluster, sink: SmtpSink, restart_at, mail_down_at):
        super().__init__(name="faults", daemon=True)
        self.timeline, self.cluster, self.sink = timeline, cluster, sink
        self.actions = sorted([(restart_at, self.restart_postgres), (mail_down_at, self.mail_down)])
        self.cancelled = threading.Event()

    def run(self) -> None:
        for offset, action in self.actions:
            if self.cancelled.wait(max(0.0, self.timeline.start + offset - time.time())):
                return
            try:
                action()
            except Exception as error:  # noqa: BLE001 (reported, and PostgreSQL is checked after)
                self.timeline.notes.append(f"{action.__name__} failed: {error!r}")
                say(f"fault injection: {action.__name__} failed: {error!r}")

    def restart_postgres(self) -> None:
        say(f"fault: restarting PostgreSQL (pg_ctlcluster {' '.join(self.cluster)} restart)")
        others = other_database_clients()
        if others:
            note = f"the restart also disconnected clients of other databases: {others}"
            self.timeline.notes.append(note)
            say(f"fault: {note}")
        self.timeline.pg_restart_begin = time.time()
        try:
            postgres_restart(self.cluster)
        finally:
            wait_for_postgres(60)
            self.timeline.pg_restart_end = time.time()
        say(
            "fault: PostgreSQL answers again after "
            f"{self.timeline.pg_restart_end - self.timeline.pg_restart_begin:.1f} s"
        )

    def mail_down(self) -> None:
        self.sink.set_mode("down")
        self.timeline.mail_down = time.time()
        say("fault: the mail server stops listening (connections refused)")


# One scenario --------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    tag: str
    faults: bool
    drain_timeout: float


@dataclass
class Outcome:
    scenario: Scenario
    timeline: Timeline
    stats: dict
    events: list[dict]
    db: dict
    mail: list
    worker_restarts: list
    tasks: dict
    logs: dict[str, Path]
    errors_in_logs: Counter
    refused: int


def app_environment(*, port: int, sink: SmtpSink, workdir: Path, retry_delays: str) -> dict:
    return base_env(
        DJANGO_SETTINGS_MODULE="coachhouse.settings.production",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=DATABASE_URL,
        # Production keeps connections (with health checks): a restart must not break them.
        CONN_MAX_AGE="60",
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX="coachhouse-load",
        EMAIL_URL=sink.url,
        EMAIL_RETRY_DELAYS=retry_delays,
        # The load arrives "through" one proxy: sign-ups carry their visitor's address in
        # X-Forwarded-For, so the per-IP limit counts visitors, not the load generator.
        TRUSTED_PROXY_COUNT="1",
        BASE_URL=f"https://127.0.0.1:{port}",
        COACH_EMAIL=COACH_EMAIL,
        STRIPE_SECRET_KEY="sk_test_load_" + secrets.token_hex(8),  # checkout is not exercised
        STRIPE_WEBHOOK_SECRET="whsec_load_" + secrets.token_hex(16),
        STRIPE_API_BASE="http://127.0.0.1:9",  # never called: only webhooks are exercised
        TASKS_BACKEND="database",
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )


def retry_delays_for(duration: float) -> str:
    """Back-off that outlasts a mail outage of `duration` (+45 s) but never waits over 60 s
    between attempts, so the worker delivers soon after the mail server returns."""
    delays, total = [], 0
    for delay in (20, 40, *[60] * 20):
        delays.append(delay)
        total += delay
        if total >= duration + 45:
            break
    return ",".join(str(delay) for delay in delays)


def email_task_counts(since: datetime.datetime) -> dict:
    """deliver_email tasks enqueued since `since`, by status, with RUNNING split off when
    stuck (a worker that died mid-task leaves its task RUNNING for ever)."""
    with psycopg.connect(DATABASE_URL, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT status, (status = 'RUNNING' AND started_at < now() - make_interval("
            "secs => %s)), count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = 'accounts.tasks.deliver_email' AND enqueued_at >= %s "
            "GROUP BY 1, 2",
            [STUCK_AFTER, since],
        ).fetchall()
    counts = Counter()
    for status, stuck, count in rows:
        counts["STUCK" if stuck else status] += count
    return dict(counts)


def database_figures(tag: str) -> dict:
    """What the database holds for this run, read straight from PostgreSQL."""
    with psycopg.connect(DATABASE_URL, connect_timeout=5) as conn:

        def column(sql: str, *params) -> list:
            return [row[0] for row in conn.execute(sql, params).fetchall()]

        return {
            "waitlist_emails": column(
                "SELECT email FROM coaching_waitlistentry WHERE email LIKE %s",
                f"{tag}-join%",
            ),
            "completed_learners": column(
                "SELECT u.email FROM course_enrolment e JOIN accounts_user u ON u.id = e.user_id "
                "WHERE u.email LIKE %s AND e.completed_at IS NOT NULL",
                f"{tag}-learner%",
            ),
            "completed_lessons": [
                tuple(row)
                for row in conn.execute(
                    "SELECT u.email, p.lesson_id FROM course_lessonprogress p "
                    "JOIN accounts_user u ON u.id = p.user_id "
                    "WHERE u.email LIKE %s AND p.completed_at IS NOT NULL",
                    [f"{tag}-learner%"],
                ).fetchall()
            ],
            "paid_sessions": column(
                "SELECT stripe_session_id FROM coaching_payment "
                "WHERE stripe_session_id LIKE %s AND status = 'paid'",
                f"cs_load_{tag}_%",
            ),
            "booked_entries": column(
                "SELECT count(*) FROM coaching_waitlistentry WHERE email LIKE %s "
                "AND status = 'booked'",
                f"{tag}-payer%",
            )[0],
            "stripe_events": column(
                "SELECT event_id FROM coaching_stripeevent WHERE object_id LIKE %s",
                f"cs_load_{tag}_%",
            ),
        }


def read_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(ValueError):
            events.append(json.loads(line))
    return events


def expected_recipients(events: list[dict], db: dict) -> set[str]:
    """Everyone the site owes exactly one email: each acknowledged sign-up (confirmation),
    each learner who completed the course (completion), each payer booked (receipt)."""
    acknowledged = {
        e["email"] for e in events if e["kind"] == "signup" and e["outcome"] == "acknowledged"
    }
    payers = {session_payer(session) for session in db["paid_sessions"]}
    return acknowledged | set(db["completed_learners"]) | payers


def session_payer(session_id: str) -> str:
    # cs_load_<tag>_<n> belongs to <tag>-payer<n>@invited.load.test (bench/load_seed.py).
    tag, number = re.fullmatch(r"cs_load_(.+)_(\d+)", session_id).groups()
    return f"{tag}-payer{number}@invited.load.test"


def wait_for_delivery(
    sink: SmtpSink, expected: set[str], coach_notes: int, since, timeout: float
) -> dict:
    """Wait until no email task is left to run (or `timeout`); return the tasks by status."""
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while True:
        received = {r for m in sink.messages for r in m.recipients}
        coach = sum(COACH_EMAIL in m.recipients for m in sink.messages)
        try:
            counts = email_task_counts(since)
        except psycopg.Error:
            counts = {"READY": -1}
        pending = counts.get("READY", 0) + counts.get("RUNNING", 0)
        missing = len(expected - received) + max(0, coach_notes - coach)
        # No task left to run means nothing more will arrive, whatever is still missing.
        if pending == 0 or time.monotonic() > deadline:
            return counts
        if time.monotonic() - last_report > 15:
            say(f"  draining: {missing} emails still owed, {pending} email tasks to run")
            last_report = time.monotonic()
        time.sleep(2)


def log_errors(*paths: Path) -> Counter:
    """The last line of every traceback in these logs, counted."""
    errors = Counter()
    for path in paths:
        if not path.exists():
            continue
        lines = path.read_text(errors="replace").splitlines()
        for index, line in enumerate(lines):
            if line.startswith("Traceback"):
                for follow in lines[index + 1 :]:
                    if follow and not follow.startswith((" ", "Traceback", "During", "The ")):
                        errors[f"{path.name}: {follow[:160]}"] += 1
                        break
    return errors


def run_scenario(
    scenario: Scenario,
    *,
    args,
    env: dict,
    port: int,
    sink: SmtpSink,
    workdir: Path,
    cluster,
) -> Outcome:
    say(f"== {scenario.name}: seeding learners and invited payers ({scenario.tag})")
    redis.Redis.from_url(REDIS_URL).flushdb()
    plan = workdir / f"{scenario.tag}-plan.json"
    events_path = workdir / f"{scenario.tag}-events.jsonl"
    events_path.unlink(missing_ok=True)
    subprocess.run(
        [str(PYTHON), str(BENCH / "load_seed.py"), scenario.tag, str(plan)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    since = datetime.datetime.now(datetime.UTC)
    sink.clear()
    sink.set_mode("refuse" if scenario.faults else "accept")
    timeline = Timeline()
    logs = {
        "gunicorn": workdir / f"{scenario.tag}-gunicorn.log",
        "worker": workdir / f"{scenario.tag}-worker.log",
    }
    locust_env = base_env(
        LOAD_PLAN=str(plan),
        LOAD_EVENTS=str(events_path),
        STRIPE_WEBHOOK_SECRET=env["STRIPE_WEBHOOK_SECRET"],
    )
    injector = None
    with (
        Gunicorn(env, port=port, workers=2) as server,
        TaskWorker(env, logs["worker"]) as worker,
    ):
        try:
            timeline.start = time.time()
            if scenario.faults:
                timeline.mail_refusing = timeline.start
                say("fault: the mail server refuses every connection (421) from the start")
                injector = FaultInjector(
                    timeline, cluster, sink, args.fault_at, args.duration * 0.5
                )
                injector.start()
            say(
                f"{scenario.name}: {args.users} users for {args.duration:.0f} s against "
                f"{server.url} (gunicorn workers {server.worker_pids()})"
            )
            stats = run_locust(
                BENCH / "locust_load.py",
                server.url,
                users=args.users,
                run_time=f"{args.duration:.0f}s",
                env=locust_env,
            )
            timeline.end = time.time()
            if injector is not None:
                injector.cancelled.set()
                injector.join(timeout=130)
            events = read_events(events_path)
            db = database_figures(scenario.tag)
            expected = expected_recipients(events, db)
            if scenario.faults:
                sink.set_mode("accept")
                timeline.mail_back = time.time()
                say("the mail server is back; waiting for the worker to deliver what it owes")
            tasks = wait_for_delivery(
                sink, expected, len(db["paid_sessions"]), since, scenario.drain_timeout
            )
            timeline.drained = time.time()
        finally:
            if injector is not None:
                injector.cancelled.set()
            logs["gunicorn"].write_text(server.log_tail(lines=10**7) + "\n")
        restarts = list(worker.restarts)
    return Outcome(
        scenario=scenario,
        timeline=timeline,
        stats=stats,
        events=events,
        db=db,
        mail=sink.messages,
        worker_restarts=restarts,
        tasks=tasks,
        logs=logs,
        errors_in_logs=log_errors(*logs.values()),
        refused=sink.refused,
    )


# The report ----------------------------------------------------------------------------------


def _row(cells, widths) -> str:
    return "  ".join(
        str(c).ljust(w) if i == 0 else str(c).rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def report(outcome: Outcome) -> list[tuple[str, bool, str]]:
    """Print one scenario's figures; return its expectations as (name, passed, detail)."""
    s, tl, events = outcome.scenario, outcome.timeline, outcome.events
    requests = [e for e in events if e["kind"] == "request"]
    window = tl.outage()

    def inside(e) -> bool:
        return window is not None and window[0] <= e["t"] <= window[1]

    server_errors = [e for e in requests if e["status"] >= 500]
    limited = [e for e in requests if e["status"] == 429]
    other = [e for e in requests if not e["ok"] and e["status"] < 500]
    print()
    print(f"=== {s.name} ({tl.end - tl.start:.0f} s of load) ===")
    widths = (26, 8, 6, 6, 7, 7, 7)
    print(_row(("request", "requests", "5xx", "429", "other", "p50 ms", "p99 ms"), widths))
    names = sorted({e["name"] for e in requests})
    for name in [*names, "Aggregated"]:
        mine = requests if name == "Aggregated" else [e for e in requests if e["name"] == name]
        figures = outcome.stats.get(name, {})
        print(
            _row(
                (
                    "all" if name == "Aggregated" else name,
                    len(mine),
                    sum(e["status"] >= 500 for e in mine),
                    sum(e["status"] == 429 for e in mine),
                    sum(not e["ok"] and e["status"] < 500 for e in mine),
                    f"{figures.get('p50', 0):.0f}",
                    f"{figures.get('p99', 0):.0f}",
                ),
                widths,
            )
        )
    for name, figures in outcome.stats.items():
        for error in figures.get("errors", [])[:5]:
            print(f"    {name}: {error}")

    if s.faults:
        print(
            f"timeline: mail refusing {tl.at(tl.mail_refusing)}, PostgreSQL restart "
            f"{tl.at(tl.pg_restart_begin)} to {tl.at(tl.pg_restart_end)}, mail down "
            f"{tl.at(tl.mail_down)}, load ends {tl.at(tl.end)}, mail back {tl.at(tl.mail_back)}, "
            f"drained {tl.at(tl.drained)}"
        )
        if window:
            print(
                f"outage window (restart + {OUTAGE_GRACE:.0f} s): {tl.at(window[0])} to "
                f"{tl.at(window[1])}; 5xx inside {sum(map(inside, server_errors))}, outside "
                f"{sum(not inside(e) for e in server_errors)}; other failures inside "
                f"{sum(map(inside, other))}, outside {sum(not inside(e) for e in other)}"
            )
        for note in tl.notes:
            print(f"note: {note}")
    restarts = ", ".join(f"{tl.at(t)} (status {code})" for t, code in outcome.worker_restarts)
    print(f"db_worker restarts: {len(outcome.worker_restarts)} {restarts}".rstrip())

    # Sign-ups.
    signups = [e for e in events if e["kind"] == "signup"]
    outcomes = Counter(e["outcome"] for e in signups)
    acknowledged = {e["email"] for e in signups if e["outcome"] == "acknowledged"}
    unanswered = {e["email"] for e in signups if e["outcome"] == "error"}
    rows = outcome.db["waitlist_emails"]
    row_set = set(rows)
    lost = acknowledged - row_set
    duplicated = sum(count - 1 for count in Counter(rows).values() if count > 1)
    unacknowledged_rows = row_set - acknowledged
    print(
        f"wait-list sign-ups: {len(signups)} attempted, {outcomes['acknowledged']} acknowledged, "
        f"{outcomes['rate_limited']} rate-limited (429), {outcomes['error']} failed (5xx or no "
        f"answer), {outcomes['rejected']} rejected; rows found {len(rows)} "
        f"(acknowledged and found {len(acknowledged & row_set)}, lost {len(lost)}, duplicated "
        f"{duplicated}, saved without acknowledgement {len(unacknowledged_rows)})"
    )

    # Learners and webhooks.
    completions = {(e["email"], e["lesson"]) for e in events if e["kind"] == "completed"}
    completed_rows = set(outcome.db["completed_lessons"])
    lost_completions = completions - completed_rows
    print(
        f"lessons marked complete: {len(completions)} acknowledged, {len(completed_rows)} "
        f"progress rows complete, lost {len(lost_completions)}; courses completed "
        f"{len(outcome.db['completed_learners'])}"
    )
    hooks = [e for e in events if e["kind"] == "webhook"]
    accepted_sessions = {e["session"] for e in hooks}
    first_deliveries = Counter(e["session"] for e in hooks if not e["duplicate"])
    paid = set(outcome.db["paid_sessions"])
    failed_hooks = [e for e in events if e["kind"] == "webhook_failed"]
    unsettled = {e["session"] for e in failed_hooks} - accepted_sessions
    print(
        f"stripe webhooks: {len(hooks)} answered 200 ({sum(e['duplicate'] for e in hooks)} as "
        f"duplicates), {len(failed_hooks)} failed and retried; payments paid {len(paid)} for "
        f"{len(accepted_sessions)} sessions accepted; people booked "
        f"{outcome.db['booked_entries']}; events recorded {len(outcome.db['stripe_events'])}"
    )

    # Emails.
    expected = expected_recipients(events, outcome.db)
    mail = outcome.mail
    per_recipient = Counter(r for m in mail for r in m.recipients if r != COACH_EMAIL)
    coach_notes = sum(COACH_EMAIL in m.recipients for m in mail)
    duplicates = sum(count - 1 for count in Counter(m.key() for m in mail).values() if count > 1)
    missing = expected - set(per_recipient)
    extra_per_recipient = sum(count - 1 for count in per_recipient.values() if count > 1)
    unexpected = set(per_recipient) - expected
    unacknowledged_mail = unexpected & unacknowledged_rows
    print(
        f"emails: expected {len(expected)} + {len(paid)} coach notes = "
        f"{len(expected) + len(paid)}; delivered {len(mail)} "
        f"({len(expected & set(per_recipient))} of the expected recipients, {coach_notes} coach "
        f"notes); missing {len(missing)}; duplicates {duplicates}; recipients with more than "
        f"one {extra_per_recipient}; to others {len(unexpected)} (of them to sign-ups saved "
        f"without acknowledgement: {len(unacknowledged_mail)})"
    )
    print(
        f"email tasks at the end: {outcome.tasks or 'none'}; the mail server answered "
        f"{outcome.refused} connections with 421"
    )
    if outcome.errors_in_logs:
        print("exceptions in the logs (last line of each traceback):")
        for line, count in outcome.errors_in_logs.most_common(8):
            print(f"  {count:5d}x {line}")
    print(f"logs: {', '.join(str(p) for p in outcome.logs.values())}")

    checks: list[tuple[str, bool, str]] = []
    if s.faults:
        outside = [e for e in server_errors if not inside(e)]
        checks.append(
            (
                "5xx only during the PostgreSQL outage",
                not outside,
                f"{len(server_errors) - len(outside)} inside, {len(outside)} outside",
            )
        )
        other_outside = [e for e in other if not inside(e)]
        checks.append(
            (
                "no failures but 429s outside the outage",
                not other_outside,
                f"{len(other_outside)} outside, {len(other) - len(other_outside)} inside",
            )
        )
        checks.append(
            (
                "no acknowledged sign-up lost or duplicated",
                not lost and not duplicated,
                f"{len(acknowledged)} acknowledged, {len(lost)} lost, {duplicated} duplicated; "
                f"{len(unacknowledged_rows & unanswered)} of {len(unanswered)} failed attempts "
                "were saved",
            )
        )
    else:
        checks.append(("zero 5xx", not server_errors, f"{len(server_errors)} 5xx"))
        checks.append(
            (
                "no failures but 429s",
                not other,
                f"{len(other)} other failures, {len(limited)} 429s allowed",
            )
        )
        checks.append(
            (
                "wait-list rows = acknowledged sign-ups",
                row_set == acknowledged and not duplicated,
                f"{len(rows)} rows, {len(acknowledged)} acknowledged",
            )
        )
    checks.append(
        (
            "every acknowledged lesson completion saved",
            not lost_completions,
            f"{len(completions)} acknowledged, {len(lost_completions)} lost",
        )
    )
    checks.append(
        (
            "each accepted payment booked exactly once",
            paid == accepted_sessions
            and not unsettled
            and all(count == 1 for count in first_deliveries.values())
            and outcome.db["booked_entries"] == len(paid),
            f"{len(paid)} paid, {len(accepted_sessions)} accepted, {len(unsettled)} never "
            f"accepted, {sum(c > 1 for c in first_deliveries.values())} fulfilled twice",
        )
    )
    checks.append(
        (
            "every email delivered"
            + (" once the mail server returned" if s.faults else "")
            + ", none twice",
            not missing and coach_notes == len(paid) and duplicates == 0,
            f"expected {len(expected) + len(paid)}, delivered {len(mail)}, missing "
            f"{len(missing) + max(0, len(paid) - coach_notes)}, duplicates {duplicates}",
        )
    )
    left = {k: v for k, v in outcome.tasks.items() if k not in ("SUCCESSFUL",)}
    checks.append(
        (
            "the worker drained its email queue",
            not left,
            ", ".join(f"{k} {v}" for k, v in outcome.tasks.items()) or "no email tasks",
        )
    )
    for name, passed, detail in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")
    return checks


# Main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=180, help="seconds of load per run")
    parser.add_argument("--users", type=int, default=20, help="locust users per run")
    parser.add_argument(
        "--fault-at", type=float, default=60, help="restart PostgreSQL this many seconds in"
    )
    parser.add_argument(
        "--drain", type=float, default=180, help="seconds to wait for the worker after faults"
    )
    parser.add_argument("--scenario", choices=("all", "steady", "faults"), default="all")
    args = parser.parse_args()

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _sigterm_as_exit)
    started = time.monotonic()
    problem = postgres_reachable(DATABASE_URL)
    if problem:
        print(f"PostgreSQL at 127.0.0.1:5432 does not answer: {problem}")
        return 2
    cluster = postgres_cluster()
    workdir = Path(tempfile.mkdtemp(prefix="coachhouse-loadtest-"))
    scenarios = [
        Scenario("steady load", "steady", faults=False, drain_timeout=60),
        Scenario(
            "load with faults (PostgreSQL restart, mail server failing)",
            "faults",
            faults=True,
            drain_timeout=args.drain,
        ),
    ]
    if args.scenario != "all":
        scenarios = [s for s in scenarios if s.tag == args.scenario]
    results: list[tuple[Outcome, list]] = []
    try:
        with SmtpSink() as sink:
            port = free_port()
            env = app_environment(
                port=port,
                sink=sink,
                workdir=workdir,
                retry_delays=retry_delays_for(args.duration),
            )
            say(f"preparing {DATABASE_URL} (migrate, collectstatic, load_demo); logs in {workdir}")
            prepare_database(DATABASE_URL)
            # collectstatic needs no database: it runs beside the migrations.
            collectstatic = subprocess.Popen(
                [str(PYTHON), "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
            try:
                manage("migrate", "--no-input", "--verbosity", "0", env=env)
                if collectstatic.wait() != 0:
                    raise RuntimeError("collectstatic failed")
            finally:
                if collectstatic.poll() is None:
                    os.killpg(collectstatic.pid, signal.SIGTERM)
                    collectstatic.wait()
            manage("load_demo", env=env)
            for scenario in scenarios:
                outcome = run_scenario(
                    scenario,
                    args=args,
                    env=env,
                    port=port,
                    sink=sink,
                    workdir=workdir,
                    cluster=cluster,
                )
                results.append((outcome, report(outcome)))
    finally:
        print()
        print(ensure_postgres_running(cluster))
    failed = [(o.scenario.name, name) for o, checks in results for name, ok, _ in checks if not ok]
    minutes, seconds = divmod(time.monotonic() - started, 60)
    print()
    print(f"=== summary ({int(minutes)} min {seconds:.0f} s; logs in {workdir}) ===")
    for outcome, checks in results:
        passed = sum(ok for _, ok, _ in checks)
        print(f"{outcome.scenario.name}: {passed}/{len(checks)} expectations met")
    for scenario, name in failed:
        print(f"FAIL  {scenario}: {name}")
    return 1 if failed or len(results) < len(scenarios) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("Interrupted; everything the load test started has been stopped.")
        sys.exit(130)
