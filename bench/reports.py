"""Times the coach's report views on 100,000 learners across 2 courses.

Fills a scratch database (a new SQLite file, bench/reports.sqlite3, deleted afterwards; or the
empty PostgreSQL database in BENCH_DATABASE_URL), then requests each report as a superuser
with Django's test client: one warm-up, five timed runs, the median and the query count.

    make bench                       # or: .venv/bin/python bench/reports.py [--learners N]
"""

import argparse
import logging
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / "bench" / "reports.sqlite3"
POSTGRES_URL = os.environ.get("BENCH_DATABASE_URL", "")
os.environ["DATABASE_URL"] = POSTGRES_URL or f"sqlite:///{SQLITE_FILE}"
os.environ["DJANGO_SETTINGS_MODULE"] = "coachhouse.settings.test"
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import seeding  # noqa: E402  (bench/seeding.py)
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import second_factor  # noqa: E402
from accounts.models import User  # noqa: E402
from coaching.models import CoachingPackage, Payment, WaitListEntry  # noqa: E402
from tests.factories import (  # noqa: E402
    ArticlePageFactory,
    CoursePageFactory,
    LessonPageFactory,
    make_site_tree,
)

RUNS = 5
BATCH = 5000
REPORTS = [
    ("dashboard (all panels)", "/admin/"),
    ("course funnel", "/admin/course-reports/course-funnel/"),
    ("course funnel CSV", "/admin/course-reports/course-funnel/?export=csv"),
    ("attribution", "/admin/course-reports/attribution/"),
    (
        "attribution, last 30 days",
        "/admin/course-reports/attribution/?enrolled_at_from={month_ago}",
    ),
    ("attribution CSV", "/admin/course-reports/attribution/?export=csv"),
    ("learners (page 1 of 50)", "/admin/course-reports/learners/"),
    ("learners, page 1000", "/admin/course-reports/learners/?p=1000"),
    ("learners, search", "/admin/course-reports/learners/?q=learner4242"),
    ("enrolments by week", "/admin/course-reports/enrolments/"),
]


def build_content(rng: random.Random):
    """Two courses (8 and 5 lessons) and 12 articles; the pages go through Wagtail as usual."""
    home, first, first_lessons, index = make_site_tree(lessons=8)
    second = CoursePageFactory(parent=home, title="Interview with confidence", slug="interviews")
    second_lessons = [
        LessonPageFactory(parent=second, title=f"Interviews {n}", slug=f"interviews-{n}")
        for n in range(1, 6)
    ]
    articles = [
        ArticlePageFactory(parent=index, title=f"Article {n}", slug=f"article-{n}")
        for n in range(1, 13)
    ]
    return [(first, first_lessons), (second, second_lessons)], articles


def fill(learners: int, seed: int = 6) -> dict:
    """Learners, enrolments, progress, wait-list entries and payments, by bulk_create."""
    rng = random.Random(seed)
    now = timezone.now()
    courses, articles = build_content(rng)
    # Some articles bring far more people than others.
    weights = [1 / n for n in range(1, len(articles) + 1)]

    joined = seeding.learners_create(count=learners, rng=rng, now=now)

    enrolments, progress = [], []
    completed_users = []
    for user_id, date_joined in joined.items():
        roll = rng.random()
        chosen = [0] if roll < 0.7 else [1] if roll < 0.9 else [0, 1]
        for index in chosen:
            course, lessons = courses[index]
            enrolment, rows = seeding.enrolment_with_progress(
                user_id=user_id,
                course=course,
                lessons=lessons,
                enrolled_at=date_joined + timedelta(minutes=rng.uniform(0, 30)),
                rng=rng,
                source_page=rng.choices(articles, weights)[0] if rng.random() < 0.85 else None,
                utm_source=rng.choice(["", "", "linkedin", "newsletter"]),
            )
            if enrolment.completed_at:
                completed_users.append(user_id)
            enrolments.append(enrolment)
            progress.extend(rows)
    seeding.enrolments_save(enrolments, progress)

    # A third of graduates and 1% of the others join the wait list; some book and pay.
    others = [pk for pk in joined if rng.random() < 0.01]
    on_list = sorted(set(rng.sample(completed_users, len(completed_users) // 3) + others))
    statuses = ["waiting"] * 6 + ["unconfirmed", "invited", "booked", "declined", "expired"]
    entries = [
        WaitListEntry(
            name=f"Person {user_id}",
            email=f"learner-{user_id}@example.com",
            job_search_stage="applying",
            goals="Get unstuck.",
            user_id=user_id,
            status=rng.choice(statuses),
            created_at=now - timedelta(days=rng.uniform(0, 60)),
            confirmed_at=now - timedelta(days=rng.uniform(0, 60)),
        )
        for user_id in on_list
    ]
    WaitListEntry.objects.bulk_create(entries, batch_size=BATCH)
    package = CoachingPackage.objects.create(
        name="Three sessions", description="Three sessions.", sessions=3, price_minor=45000
    )
    booked = WaitListEntry.objects.filter(status="booked").values_list("pk", flat=True)
    Payment.objects.bulk_create(
        [
            Payment(
                entry_id=pk,
                package=package,
                amount_minor=45000,
                currency="gbp",
                status="paid",
                stripe_session_id=f"cs_bench_{pk}",
                paid_at=now - timedelta(days=rng.uniform(0, 40)),
            )
            for pk in booked
        ],
        batch_size=BATCH,
    )
    return {
        "learners": len(joined),
        "enrolments": len(enrolments),
        "progress rows": len(progress),
        "wait-list entries": len(entries),
        "payments": len(booked),
    }


def time_view(client: Client, url: str) -> tuple[float, int]:
    """Median milliseconds of RUNS requests (after one warm-up), and the queries of one."""

    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)

    fetch()
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fetch()
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        fetch()
    return statistics.median(timings), len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    args = parser.parse_args()

    if not POSTGRES_URL:
        SQLITE_FILE.unlink(missing_ok=True)
    setup_test_environment()
    logging.getLogger("django.tasks").setLevel(logging.WARNING)  # one line per page saved
    started = time.perf_counter()
    try:
        with seeding.unsynced_writes():  # filling is not timed; the reports only read
            call_command("migrate", verbosity=0)
            if User.objects.exists():
                sys.exit("BENCH_DATABASE_URL must point at an empty scratch database.")
            counts = fill(args.learners)
            coach = User.objects.create_superuser("bench-coach@example.com")
        print(f"Database: {connection.vendor}; filled in {time.perf_counter() - started:.0f} s:")
        print("  " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
        client = Client()
        client.force_login(coach)
        session = client.session  # the admin's second factor, as after its sign-in
        session[second_factor.SESSION_KEY] = str(coach.pk)
        session.save()
        month_ago = (timezone.localdate() - timedelta(days=30)).isoformat()
        print(f"\n{'report':<28} {'median ms':>10} {'queries':>8}   ({RUNS} runs each)")
        for label, url in REPORTS:
            median, queries = time_view(client, url.format(month_ago=month_ago))
            print(f"{label:<28} {median:>10.1f} {queries:>8}")
    finally:
        if POSTGRES_URL:
            call_command("flush", interactive=False, verbosity=0)
        connection.close()
        SQLITE_FILE.unlink(missing_ok=True)
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
