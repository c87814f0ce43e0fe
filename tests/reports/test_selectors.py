"""The coach's reports: their numbers, CSV exports, who may see them, and fixed query counts."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.models import Payment, WaitListEntry
from course import services as course_services
from course.services import EnrolmentSource
from reports import selectors as reports
from tests.factories import (
    ArticlePageFactory,
    CoachingPackageFactory,
    UserFactory,
    WaitListEntryFactory,
    sign_in_to_admin,
)

FUNNEL = "/admin/course-reports/course-funnel/"
ATTRIBUTION = "/admin/course-reports/attribution/"
LEARNERS = "/admin/course-reports/learners/"
ENROLMENTS = "/admin/course-reports/enrolments/"
ALL_REPORTS = [FUNNEL, ATTRIBUTION, LEARNERS, ENROLMENTS]


def enrol(user, course, *, source=None):
    course_services.enrolment_create(
        user=user, course=course, source=EnrolmentSource(page=source) if source else None
    )


def complete(user, lessons):
    for lesson in lessons:
        course_services.lesson_complete(user=user, lesson=lesson)


def paid_payment(entry):
    return Payment.objects.create(
        entry=entry,
        package=CoachingPackageFactory(),
        amount_minor=45000,
        currency="gbp",
        status=Payment.Status.PAID,
        stripe_session_id=f"cs_test_{entry.pk}",
        paid_at=timezone.now(),
    )


@pytest.fixture
def articles(site_tree):
    index = site_tree["index"]
    return (
        ArticlePageFactory(parent=index, title="Coffee chats"),
        ArticlePageFactory(parent=index, title="Cold emails"),
    )


@pytest.fixture
def cohort(course, lessons, articles):
    """Ann (from Coffee chats) finished and booked; Bob (same) did lesson 1 and waits;
    Cat (from Cold emails) did lesson 1 and paid after an invitation."""
    coffee, cold = articles
    ann = UserFactory(email="ann@example.com", first_name="Ann", last_name="Archer")
    bob = UserFactory(email="bob@example.com", first_name="Bob", last_name="Baker")
    cat = UserFactory(email="cat@example.com", first_name="Cat", last_name="Cole")
    enrol(ann, course, source=coffee)
    enrol(bob, course, source=coffee)
    enrol(cat, course, source=cold)
    complete(ann, lessons)
    complete(bob, lessons[:1])
    complete(cat, lessons[:1])
    WaitListEntryFactory(user=ann, email=ann.email, status=WaitListEntry.Status.BOOKED)
    WaitListEntryFactory(user=bob, email=bob.email, status=WaitListEntry.Status.WAITING)
    paid_payment(WaitListEntryFactory(user=cat, email=cat.email, status="invited"))
    return {"ann": ann, "bob": bob, "cat": cat}


@pytest.fixture
def coach(db):
    return UserFactory(email="coach@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def coach_client(client, coach):
    sign_in_to_admin(client, coach)
    return client


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(content)))


# The numbers ------------------------------------------------------------------------------


def test_week_summary_compares_new_learners_with_the_week_before(cohort, coach):
    old = UserFactory(email="old@example.com")
    old.date_joined = timezone.now() - datetime.timedelta(days=10)
    old.save()

    summary = reports.week_summary()

    assert summary.new_learners == 3  # the staff coach is not a learner
    assert summary.new_learners_week_before == 1
    assert (summary.enrolments, summary.enrolments_week_before) == (3, 0)
    assert (summary.completions, summary.completions_week_before) == (1, 0)


def test_funnel_counts_each_lesson_and_highlights_the_biggest_drop(course, lessons, cohort):
    funnel = reports.course_funnel(course=course)

    assert funnel.enrolled == 3
    assert [(s.title, s.completed, s.percent) for s in funnel.steps] == [
        ("Lesson 1", 3, 100.0),
        ("Lesson 2", 1, 33.3),
        ("Lesson 3", 1, 33.3),
    ]
    assert funnel.drop_off.title == "Lesson 2"
    assert funnel.drop_off.lost == 2


def test_funnel_ignores_progress_of_learners_no_longer_enrolled(course, lessons, cohort):
    cohort["cat"].enrolments.all().delete()

    funnel = reports.course_funnel(course=course)

    assert funnel.enrolled == 2
    assert [s.completed for s in funnel.steps] == [2, 1, 1]


def test_attribution_follows_each_article_from_sign_up_to_booking(cohort, articles):
    rows = {row.source_title: row for row in reports.attribution()}

    coffee, cold = rows["Coffee chats"], rows["Cold emails"]
    assert (coffee.signups, coffee.completions, coffee.waitlist_joins, coffee.bookings) == (
        2,
        1,
        2,
        1,
    )
    assert (coffee.completion_rate, coffee.waitlist_rate, coffee.booking_rate) == (
        50.0,
        100.0,
        50.0,
    )
    # Cat's entry is only "invited", but a paid payment counts as a booking.
    assert (cold.signups, cold.completions, cold.waitlist_joins, cold.bookings) == (1, 0, 1, 1)
    assert cold.overall_rate == 100.0


def test_attribution_filters_by_enrolment_date(cohort, articles):
    cohort["bob"].enrolments.update(enrolled_at=timezone.now() - datetime.timedelta(days=40))
    since = timezone.now() - datetime.timedelta(days=7)

    rows = {row.source_title: row.signups for row in reports.attribution(start=since)}

    assert rows == {"Coffee chats": 1, "Cold emails": 1}


def test_attribution_groups_enrolments_without_a_source(course, cohort):
    enrol(UserFactory(email="dan@example.com"), course)

    rows = {row.source_title: row.signups for row in reports.attribution()}

    assert rows[reports.NO_SOURCE] == 1


def test_learners_show_progress_last_activity_and_wait_list_status(cohort, coach):
    rows = {user.email: user for user in reports.learners_with_progress(reports.learners())}

    assert set(rows) == {"ann@example.com", "bob@example.com", "cat@example.com"}
    ann, bob = rows["ann@example.com"], rows["bob@example.com"]
    assert (ann.lessons_completed, ann.lessons_total, ann.courses_completed) == (3, 3, 1)
    assert (bob.lessons_completed, bob.lessons_total, bob.courses_completed) == (1, 3, 0)
    assert ann.waitlist_status == "booked"
    assert bob.waitlist_status == "waiting"
    assert ann.last_activity is not None


def test_learners_search_by_name_or_email(cohort):
    assert [u.email for u in reports.learners(search="baker")] == ["bob@example.com"]
    assert [u.email for u in reports.learners(search="CAT@")] == ["cat@example.com"]


def test_enrolments_by_week_has_twelve_weeks_with_this_week_last(cohort):
    weeks = reports.enrolments_by_week()

    assert len(weeks) == 12
    assert weeks[-1].week == timezone.localdate() - datetime.timedelta(
        days=timezone.localdate().weekday()
    )
    assert (weeks[-1].enrolments, weeks[-1].completions) == (3, 1)
    assert sum(week.enrolments for week in weeks[:-1]) == 0


# The views --------------------------------------------------------------------------------


def test_funnel_report_draws_an_accessible_chart_and_table(coach_client, cohort):
    response = coach_client.get(FUNNEL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg role="img"' in html
    assert '<title id="funnel-chart-title">' in html
    assert '<desc id="funnel-chart-desc">' in html
    assert "#cd4444" in html  # the drop-off bar
    assert "Lesson 2 (biggest drop-off)" in html
    assert "33.3%" in html


def test_funnel_csv_export(coach_client, cohort):
    rows = read_csv(coach_client.get(FUNNEL, {"export": "csv"}))

    assert rows[0] == [
        "Lesson number",
        "Lesson",
        "Completed",
        "Enrolled",
        "% of enrolled",
        "Lost since previous step",
        "Biggest drop-off",
    ]
    assert rows[1:] == [
        ["1", "Lesson 1", "3", "3", "100.0", "0", "False"],
        ["2", "Lesson 2", "1", "3", "33.3", "2", "True"],
        ["3", "Lesson 3", "1", "3", "33.3", "0", "False"],
    ]


def test_attribution_csv_export_with_date_filter(coach_client, cohort, articles):
    today = timezone.localdate().isoformat()
    rows = read_csv(
        coach_client.get(
            ATTRIBUTION,
            {"export": "csv", "enrolled_at_from": today, "enrolled_at_to": today},
        )
    )

    assert rows[0] == [
        "Source page",
        "Page id",
        "Sign-ups",
        "Course completions",
        "Completion % of sign-ups",
        "Wait-list joins",
        "Wait-list % of sign-ups",
        "Bookings",
        "Booking % of wait-list joins",
        "Booking % of sign-ups",
    ]
    coffee, cold = articles
    assert rows[1:] == [
        ["Coffee chats", str(coffee.pk), "2", "1", "50.0", "2", "100.0", "1", "50.0", "50.0"],
        ["Cold emails", str(cold.pk), "1", "0", "0.0", "1", "100.0", "1", "100.0", "100.0"],
    ]


def test_attribution_date_filter_in_the_past_shows_nobody(coach_client, cohort):
    response = coach_client.get(
        ATTRIBUTION, {"enrolled_at_from": "2020-01-01", "enrolled_at_to": "2020-01-31"}
    )

    assert response.status_code == 200
    assert "Nobody enrolled in this period." in response.content.decode()


def test_learners_report_search_and_csv(coach_client, cohort):
    response = coach_client.get(LEARNERS, {"q": "bob"})
    html = response.content.decode()
    assert "bob@example.com" in html
    assert "ann@example.com" not in html
    assert "1 / 3" in html

    rows = read_csv(coach_client.get(LEARNERS, {"export": "csv", "q": "ann"}))
    assert rows[0] == [
        "Email address",
        "First name",
        "Last name",
        "Date joined",
        "Lessons completed",
        "Lessons in their courses",
        "Courses completed",
        "Last activity",
        "Wait-list status",
    ]
    assert rows[1][:3] == ["ann@example.com", "Ann", "Archer"]
    assert rows[1][4:7] == ["3", "3", "1"]
    assert rows[1][8] == "booked"


def test_enrolments_report_chart_and_csv(coach_client, cohort):
    html = coach_client.get(ENROLMENTS).content.decode()
    assert '<title id="enrolments-chart-title">' in html

    rows = read_csv(coach_client.get(ENROLMENTS, {"export": "csv"}))
    assert rows[0] == ["Week starting", "Enrolments", "Course completions"]
    assert len(rows) == 13
    assert rows[-1][1:] == ["3", "1"]


def test_dashboard_shows_learners_this_week(coach_client, cohort):
    html = coach_client.get("/admin/").content.decode()

    assert "Learners in the last 7 days" in html
    assert "Coaching wait list" in html  # the coaching app's panel is still there, once
    assert html.count("Learners in the last 7 days") == 1


def test_reports_appear_in_the_reports_menu(coach_client, db):
    html = coach_client.get("/admin/").content.decode()

    for url in ALL_REPORTS:
        assert url in html


# Who may see them -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ALL_REPORTS)
def test_learner_cannot_open_a_report(client, learner, url):
    client.force_login(learner)

    response = client.get(url, {"export": "csv"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", ALL_REPORTS)
def test_editor_without_report_permission_is_refused(client, db, url):
    editor = UserFactory(email="writer@example.com", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    sign_in_to_admin(client, editor)

    response = client.get(url)

    assert response.status_code in (302, 403)
    assert "Course funnel" not in client.get("/admin/").content.decode()


def test_group_with_view_enrolment_permission_sees_reports(client, cohort):
    group = Group.objects.create(name="Coaches")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_enrolment"),
    )
    assistant = UserFactory(email="assistant@example.com", is_staff=True)
    assistant.groups.add(group)
    sign_in_to_admin(client, assistant)

    assert client.get(FUNNEL).status_code == 200


# Query counts do not grow with the number of learners -------------------------------------


def add_learners(course, lessons, article, count: int, offset: int = 0):
    for n in range(offset, offset + count):
        user = UserFactory(email=f"many{n}@example.com")
        enrol(user, course, source=article)
        complete(user, lessons[: n % 4])
        if n % 2:
            WaitListEntryFactory(user=user, email=user.email, status="waiting")


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


# Ceilings: more means a report began to query per row (or a fixed query was added). Each
# includes the admin's own: the user, profile, site, locale and the page explorer menu (the
# session comes from the cache).
EXPECTED_QUERIES = {FUNNEL: 12, ATTRIBUTION: 8, LEARNERS: 10, ENROLMENTS: 7}


def test_report_query_counts_are_fixed_for_5_and_50_learners(
    coach_client, course, lessons, articles
):
    add_learners(course, lessons, articles[0], 5)
    coach_client.get("/admin/")  # warm per-session caches (user, site, permissions)
    with_5 = {url: queries_for(coach_client, url) for url in ALL_REPORTS}

    add_learners(course, lessons, articles[1], 45, offset=5)
    with_50 = {url: queries_for(coach_client, url) for url in ALL_REPORTS}

    assert with_5 == with_50
    assert {url: n for url, n in with_50.items() if n > EXPECTED_QUERIES[url]} == {}
