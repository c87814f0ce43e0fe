"""The page benchmark: the site's pages under load against the floor, on SQLite and PostgreSQL.

For each database it fills a scratch database (the demo site, its course grown to 50 lessons,
10,000 learners with enrolments and progress) and counts each page's SQL queries with
Django's test client. Then it serves the floor (bench/floor: a trivial Django view rendering
a page as big as the article page) and the site with gunicorn (2 sync workers on 127.0.0.1,
production settings), drives each page with locust for a fixed time, and prints requests per
second, p50 and p99 latency, the ratio to the floor, queries per page and worker memory, each
next to its target.

    make bench        # or: .venv/bin/python bench/pages.py [--databases sqlite] [--run-time 15s]
"""

import argparse
import http.client
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from harness import (
    PYTHON,
    ROOT,
    Gunicorn,
    base_env,
    cpu_busy_percent,
    manage,
    postgres_reachable,
    prepare_database,
    run_locust,
)
from scenarios import CONFIG_VARIABLE, PageRequest, page_request, problem

BENCH = Path(__file__).resolve().parent
SQLITE_URL = f"sqlite:///{BENCH / 'pages.sqlite3'}"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/coachhouse_bench"
# Production settings need a shared cache: each run gets its own Redis database, flushed first.
REDIS_URLS = {"SQLite": "redis://127.0.0.1:6379/13", "PostgreSQL": "redis://127.0.0.1:6379/15"}
LOCUSTFILE = BENCH / "locust_pages.py"
SESSIONS = 500  # seeded learners the load signs in as, one at random for each request
WARM_UP_REQUESTS = 24
MAX_LESSON_QUERIES = 8
MAX_RSS_MB = 150
NO_FIGURES = {"rps": 0.0, "p50": 0.0, "p99": 0.0, "requests": 0, "failures": 0, "errors": []}


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    min_ratio: float | None  # of the floor's requests per second
    max_queries: int | None = None


PAGES = [
    Page("floor", "floor (trivial Django view)", None),
    Page("article", "article, anonymous", 0.5),
    Page("preview", "free-preview lesson, anonymous", 0.5),
    Page("home", "home, anonymous", 0.5),
    Page("course", "course page, anonymous", 0.5),
    Page("lesson", "lesson, enrolled learner", 0.1, MAX_LESSON_QUERIES),
    Page("complete", "mark complete (POST, JSON)", 0.1),
]


@dataclass
class Run:
    """One database's run: its settings, and the files its two phases hand over."""

    label: str
    url: str
    env: dict
    config_file: Path
    result_file: Path
    seeding: subprocess.Popen | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--lessons", type=int, default=50)
    parser.add_argument("--users", type=int, default=16, help="concurrent locust users")
    parser.add_argument("--run-time", default="15s", help="load time per page")
    # One database's run has two phases, each a process of its own (Django's settings are
    # per process): --seed URL --config FILE, then --measure URL --config FILE --result FILE.
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        if args.seed:
            seed_phase(args)
        elif args.measure:
            measure_phase(args)
        else:
            orchestrate(args)
    except KeyboardInterrupt:
        # The `finally` and `with` blocks on the way here stopped the servers.
        sys.exit("Interrupted." if not (args.seed or args.measure) else 130)


# The orchestrator.


def site_env(database_url: str, *, redis_url: str, media_root: Path) -> dict:
    """Production settings, as an operator would set them, for this run's scratch database."""
    return base_env(
        DJANGO_SETTINGS_MODULE="coachhouse.settings.production",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX="coachhouse-bench",
        BASE_URL="https://127.0.0.1",
        MEDIA_ROOT=str(media_root),
        EMAIL_URL="locmem:",  # welcome and completion emails go nowhere
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )


def redis_reachable(url: str) -> str | None:
    """None if Redis answers, otherwise why not."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return str(error)
    return None


def databases(wanted: str) -> list[tuple[str, str, str]]:
    """(label, database URL, Redis URL) for each database asked for that can be reached."""
    names = {name.strip().lower() for name in wanted.split(",")}
    problem = redis_reachable(REDIS_URLS["SQLite"])
    if problem:
        print(
            f"Redis is not reachable at 127.0.0.1:6379 ({problem}). Production settings need "
            "it (REDIS_URL), so the bench does too: start Redis (on Debian: apt-get install "
            "redis-server) and run the bench again."
        )
        return []
    found = []
    if "sqlite" in names:
        found.append(("SQLite", SQLITE_URL, REDIS_URLS["SQLite"]))
    if "postgres" in names:
        reason = postgres_reachable(POSTGRES_URL)
        if reason:
            print(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({reason}).")
            print("Measuring SQLite only." if found else "Nothing else to measure.")
        else:
            found.append(("PostgreSQL", POSTGRES_URL, REDIS_URLS["PostgreSQL"]))
    return found


def run_child(command: list[str], *, env: dict) -> int:
    """Run a phase; if this process is interrupted, let the phase stop its servers first."""
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        return process.wait()
    except BaseException as interruption:
        # Ctrl-C reached the phase too (same process group); SIGTERM reached only us.
        if not isinstance(interruption, KeyboardInterrupt):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise


def orchestrate(args) -> None:
    started = time.perf_counter()
    # SIGTERM unwinds like Ctrl-C, through the `finally` that stops and cleans everything.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    found = databases(args.databases)
    if not found:
        sys.exit("No database to measure.")
    scratch = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    runs = [
        Run(
            label=label,
            url=url,
            env=site_env(url, redis_url=redis_url, media_root=scratch / f"media-{label}"),
            config_file=scratch / f"config-{label}.json",
            result_file=scratch / f"result-{label}.json",
        )
        for label, url, redis_url in found
    ]
    results, failed = [], False
    try:
        # Filling is not measured, so the databases are filled at once, beside collectstatic
        # (production serves static files through WhiteNoise's manifest).
        print(
            f"Filling {' and '.join(run.label for run in runs)} ({args.learners:,} learners, "
            f"{args.lessons} lessons) and collecting static files...",
            flush=True,
        )
        for run in runs:
            run.seeding = subprocess.Popen(
                [str(PYTHON), __file__, "--seed", run.url, "--config", str(run.config_file)]
                + ["--learners", str(args.learners), "--lessons", str(args.lessons)],
                cwd=ROOT,
                env=run.env,
            )
        manage("collectstatic", "--no-input", "--verbosity", "0", env=runs[0].env)
        for run in runs:
            if run.seeding.wait():
                print(f"Filling {run.label} failed (exit status {run.seeding.returncode}).")
                failed = True

        for run in runs:
            if run.seeding.returncode:
                continue
            print(f"\n== {run.label} ==", flush=True)
            code = run_child(
                [str(PYTHON), __file__, "--measure", run.url, "--config", str(run.config_file)]
                + ["--result", str(run.result_file), "--users", str(args.users)]
                + ["--run-time", args.run_time],
                env=run.env,
            )
            if code or not run.result_file.exists():
                print(f"Measuring {run.label} failed (exit status {code}).")
                failed = True
                continue
            results.append(json.loads(run.result_file.read_text()))
    finally:
        for run in runs:
            if run.seeding and run.seeding.poll() is None:
                run.seeding.terminate()
                run.seeding.wait()
            # Delete the SQLite file; leave PostgreSQL's scratch database empty.
            try:
                prepare_database(run.url)
            except Exception as error:  # report it, and clean up the rest
                print(f"Could not clean up {run.label}'s scratch database: {error}")
        shutil.rmtree(scratch, ignore_errors=True)

    print()
    for result in results:
        print_table(result)
        failed = failed or result["errors"]
    print(f"Page bench: {time.perf_counter() - started:.0f} s in all.")
    if failed:
        print("Some pages failed their checks (see above): those figures are not valid.")
        sys.exit(1)


def print_table(result: dict) -> None:
    print(result["title"])
    header = (
        f"{'page':<31}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}  {'vs floor':<20}"
        f"{'queries':<21}{'worker RSS MB':<16}{'failed':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in result["rows"]:
        print(row)
    for line in result["notes"]:
        print(line)
    print()


# The seed phase: a scratch database with the demo site, a long course and many learners.


def seed_phase(args) -> None:
    started = time.perf_counter()
    prepare_database(args.seed)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import seeding
    from django.core.management import call_command
    from django.db import connection

    timings = {}
    with seeding.unsynced_writes():  # filling is not measured
        call_command("migrate", verbosity=0)
        timings["migrate"] = time.perf_counter() - started
        call_command("load_demo", stdout=io.StringIO())
        timings["demo site"] = time.perf_counter() - started - sum(timings.values())
        config, counts = seed(args, timings)
    config["queries"] = count_queries(config)
    config["database"] = describe_database(connection)
    connection.close()
    Path(args.config).write_text(json.dumps(config))
    print(
        f"Filled {config['database']} in {time.perf_counter() - started:.0f} s ("
        + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in timings.items())
        + "): "
        + ", ".join(f"{n:,} {what}" for what, n in counts.items()),
        flush=True,
    )


def describe_database(connection) -> str:
    if connection.vendor != "postgresql":
        return "SQLite " + connection.Database.sqlite_version
    with connection.cursor() as cursor:
        version = cursor.connection.info.server_version
    return f"PostgreSQL {version // 10000}.{version % 10000}"


def seed(args, timings: dict) -> tuple[dict, dict]:
    """Grow the demo course, add learners with progress, sign some in; return the config."""
    import seeding
    from django.conf import settings
    from django.utils import timezone

    from coachhouse.demo import content
    from coachhouse.models import ArticlePage, HomePage
    from course.models import CoursePage
    from lessons.models import LessonPage

    rng = random.Random(7)
    now = timezone.now()
    step = time.perf_counter()
    course = CoursePage.objects.get(slug=content.COURSE["slug"])
    lessons = seeding.course_extend(
        course=course, demo_lessons=content.COURSE["lessons"], total=args.lessons, rng=rng
    )
    timings["lessons"] = time.perf_counter() - step
    step = time.perf_counter()
    articles = list(ArticlePage.objects.live().order_by("pk"))
    joined = seeding.learners_create(count=args.learners, rng=rng, now=now)
    enrolments, progress = [], []
    for user_id, date_joined in joined.items():
        enrolment, rows = seeding.enrolment_with_progress(
            user_id=user_id,
            course=course,
            lessons=lessons,
            enrolled_at=date_joined + timedelta(minutes=rng.uniform(0, 30)),
            rng=rng,
            # A long course: learners go further than in the reports' short ones.
            keep=lambda number: 0.6 if number == 2 else 0.9,
            source_page=rng.choice(articles) if rng.random() < 0.85 else None,
            utm_source=rng.choice(["", "", "linkedin", "newsletter"]),
        )
        enrolments.append(enrolment)
        progress.extend(rows)
    seeding.enrolments_save(enrolments, progress)
    learners = sessions_create(sorted(rng.sample(sorted(joined), min(SESSIONS, len(joined)))))
    timings["learners"] = time.perf_counter() - step

    article = ArticlePage.objects.live().get(slug=content.ARTICLES[0]["slug"])
    preview = LessonPage.objects.child_of(course).live().filter(free_preview=True).first()
    home = HomePage.objects.live().first()
    config = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "learners": learners,
        "lessons": [{"id": lesson.pk, "path": lesson.url} for lesson in lessons],
        "pages": {
            "floor": {"path": "/", "marker": "<h1>The floor</h1>"},
            "article": {"path": article.url, "marker": "Unlock the free course"},
            # The lesson's body is shown (not the sign-up teaser) to a visitor.
            "preview": {"path": preview.url, "marker": 'class="lesson__body"'},
            "home": {"path": home.url, "marker": "Find work that fits the life you want"},
            "course": {"path": course.url, "marker": 'id="course-lessons"'},
            # "Mark complete" is only there for a signed-in, enrolled learner.
            "lesson": {"path": None, "marker": "data-lesson-progress"},
            "complete": {
                "path": "/learn/lessons/{lesson_id}/progress/",
                "marker": '"completed": true',
            },
        },
    }
    counts = {
        "lessons": len(lessons),
        "learners": len(joined),
        "enrolments": len(enrolments),
        "progress rows": len(progress),
        "signed-in sessions": len(learners),
    }
    return config, counts


def sessions_create(user_ids: list[int]) -> list[dict]:
    """A signed-in session for each learner, stored as django.contrib.auth.login stores one,
    and a CSRF token of their own."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import CSRF_ALLOWED_CHARS

    from accounts.models import User

    engine = import_module(settings.SESSION_ENGINE)
    backend = settings.AUTHENTICATION_BACKENDS[0]
    learners = []
    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        session = engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        csrf = "".join(secrets.choice(CSRF_ALLOWED_CHARS) for _ in range(32))
        learners.append({"id": user.pk, "session": session.session_key, "csrf": csrf})
    return learners


def count_queries(config: dict) -> dict:
    """Each page's SQL queries through Django's test client: [first request, second].

    Static files are named without WhiteNoise's manifest here: collectstatic writes it while
    the databases fill, and no query depends on it.
    """
    from django.conf import settings
    from django.test import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        return _count_queries(config)


def _count_queries(config: dict) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(3)
    # The signed-in pages: a lesson in the middle of the course.
    lesson = config["lessons"][len(config["lessons"]) // 2]
    counts = {}
    for page in PAGES[1:]:
        request = page_request(page.key, config, rng, "http://127.0.0.1")
        if page.key == "lesson":
            request = _with_path(request, lesson["path"])
        elif page.key == "complete":
            path = config["pages"]["complete"]["path"].format(lesson_id=lesson["id"])
            request = _with_path(request, path)
        numbers = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                # A fresh client each time: no cookies but the ones the request carries.
                client = Client(raise_request_exception=False)
                status, body = _test_client_request(client, request)
            reason = problem(request, status, body)
            if reason:
                print(f"  {page.key}, test client: {reason}", flush=True)
                numbers.append(None)
                break
            numbers.append(len(captured.captured_queries))
        counts[page.key] = numbers
    return counts


def _with_path(request: PageRequest, path: str) -> PageRequest:
    return PageRequest(
        request.method, path, request.headers, request.body, request.status, request.marker
    )


def _test_client_request(client, request: PageRequest) -> tuple[int, bytes]:
    # The test client skips CSRF checks (the load run makes them), so no Origin or Referer.
    skip = ("Content-Type", "Origin", "Referer")
    meta = {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in request.headers.items()
        if name not in skip
    }
    meta["HTTP_HOST"] = "127.0.0.1"
    if request.method == "POST":
        response = client.post(
            request.path,
            data=request.body,
            content_type="application/x-www-form-urlencoded",
            **meta,
        )
    else:
        response = client.get(request.path, **meta)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


# The measure phase: the floor and the site under gunicorn, each page driven by locust.


def measure_phase(args) -> None:
    config = json.loads(Path(args.config).read_text())
    locust_env = {**os.environ, CONFIG_VARIABLE: args.config}
    import redis

    # The run's own Redis database: nothing cached from the filling survives.
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    busy = cpu_busy_percent(0.5)
    print(f"CPU busy before the load (other processes): {busy:.0f}%", flush=True)

    figures, notes = {}, []
    with Gunicorn(dict(os.environ)) as site:
        status, body = fetch(site.url, page_request("article", config, None, site.url))
        if status != 200:
            sys.exit(f"The article page answered {status}:\n{site.log_tail()}")
        article_bytes = len(body)
        floor_env = base_env(
            DJANGO_SETTINGS_MODULE="floor.settings", FLOOR_PAGE_BYTES=str(article_bytes)
        )
        with Gunicorn(floor_env, app="floor.wsgi:application", cwd=BENCH) as floor:
            status, body = fetch(floor.url, page_request("floor", config, None, floor.url))
            if status != 200 or len(body) != article_bytes:
                sys.exit(
                    f"The floor answered {status} with {len(body)} bytes, not "
                    f"{article_bytes}:\n{floor.log_tail()}"
                )
            figures["floor"] = load(floor, "floor", args, config, locust_env)
        for page in PAGES[1:]:
            offset = site.log_offset()
            figures[page.key] = load(site, page.key, args, config, locust_env)
            logged = log_errors(site.log_since(offset))
            if logged:
                notes.append(f"  {page.key}, errors in gunicorn's log:")
                notes += [f"    {n}x {line}" for line, n in logged.most_common(6)]
    busy_after = cpu_busy_percent(0.5)

    rows, errors = [], []
    for page in PAGES:
        rows.append(format_row(page, figures[page.key], figures["floor"]["rps"], config))
        errors += [f"  {page.key}: {error}" for error in figures[page.key]["errors"]]
    if errors:
        notes = ["Failed requests (wrong status, or not the page expected):", *errors, *notes]
    conn_max_age = os.environ.get("CONN_MAX_AGE") or "60 (production's default)"
    title = (
        f"{config['database']}, Redis cache, CONN_MAX_AGE={conn_max_age}; "
        f"gunicorn 2 sync workers, {args.users} users, "
        f"{args.run_time} a page; {len(config['lessons'])} lessons; article page "
        f"{article_bytes:,} bytes; CPU busy before/after {busy:.0f}%/{busy_after:.0f}%"
    )
    if max(busy, busy_after) > 15:
        notes.append(
            "Other processes were using the CPU: the figures are lower than on a quiet machine."
        )
    Path(args.result).write_text(
        json.dumps({"title": title, "rows": rows, "errors": bool(errors), "notes": notes})
    )


def log_errors(log: str) -> Counter:
    """The exceptions and "Internal Server Error" lines in a stretch of the server's log."""
    pattern = re.compile(r"^(?:[\w.]+(?:Error|Exception)\b.*|Internal Server Error: .*)$")
    # Paths differ by lesson id only: /learn/lessons/<n>/progress/ counts as one line.
    return Counter(
        re.sub(r"/\d+/", "/<n>/", line) for line in log.splitlines() if pattern.match(line)
    )


def fetch(base_url: str, request: PageRequest) -> tuple[int, bytes]:
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(request.method, request.path, body=request.body, headers=request.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def warm_up(base_url: str, key: str, config: dict) -> Counter:
    """Ask for the page a few dozen times from 4 threads; count what went wrong."""
    rng = random.Random(key)
    requests = [page_request(key, config, rng, base_url) for _ in range(WARM_UP_REQUESTS)]

    def one(request):
        try:
            status, body = fetch(base_url, request)
        except OSError as error:
            return f"{type(error).__name__}: {error}"
        return problem(request, status, body)

    with ThreadPoolExecutor(4) as pool:
        return Counter(reason for reason in pool.map(one, requests) if reason)


def load(server: Gunicorn, key: str, args, config: dict, locust_env: dict) -> dict:
    """Warm the page up, then drive it with locust; the figures and the workers' memory."""
    problems = warm_up(server.url, key, config)
    warm_up_errors = [f"warm-up: {n}x {reason}" for reason, n in problems.items()]
    if sum(problems.values()) == WARM_UP_REQUESTS:  # nothing works: no point loading it
        figures = {**NO_FIGURES, "failures": WARM_UP_REQUESTS, "errors": warm_up_errors}
    else:
        stats = run_locust(
            LOCUSTFILE,
            server.url,
            users=args.users,
            run_time=args.run_time,
            env=locust_env,
            tags=[key],
        )
        figures = stats.get(key) or {**NO_FIGURES, "errors": ["locust made no requests"]}
        figures["errors"] = warm_up_errors + figures["errors"]
    figures["rss"] = server.worker_rss_mb()
    print(
        f"  {key:<9}{figures['rps']:8.1f} req/s  p50 {figures['p50']:.0f} ms  "
        f"p99 {figures['p99']:.0f} ms  {figures['failures']} failed of {figures['requests']}",
        flush=True,
    )
    return figures


def _verdict(ok: bool) -> str:
    return "ok" if ok else "FAIL"


def format_row(page: Page, figures: dict, floor_rps: float, config: dict) -> str:
    ratio = figures["rps"] / floor_rps if floor_rps else 0.0
    vs_floor = "-"
    if page.min_ratio is not None:
        vs_floor = f"{ratio:5.1%} >={page.min_ratio:.0%} {_verdict(ratio >= page.min_ratio)}"
    queries = config["queries"].get(page.key)
    query_text = "-"
    if queries:
        first, steady = queries[0], queries[-1]
        # Under load, pages are served warm: the second request's count is the one that counts.
        query_text = f"{steady}" if first == steady else f"{steady} (1st {first})"
        if page.max_queries is not None:
            ok = steady is not None and steady <= page.max_queries
            query_text += f" <={page.max_queries} {_verdict(ok)}"
    rss = max(figures["rss"], default=0.0)
    rss_text = f"{rss:3.0f}"
    if page.key != "floor":
        rss_text += f" <{MAX_RSS_MB} {_verdict(rss < MAX_RSS_MB)}"
    return (
        f"{page.label:<31}{figures['rps']:>8.1f}{figures['p50']:>8.0f}{figures['p99']:>8.0f}  "
        f"{vs_floor:<20}{query_text:<21}{rss_text:<16}{figures['failures']:>7}"
    )


if __name__ == "__main__":
    main()
