"""Reads for the coach's reports: aggregate queries, a fixed number whatever the learner count."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from coaching.models import Payment, WaitListEntry
from course.models import CoursePage, Enrolment, LessonProgress
from course.selectors import last_activity

WEEK = datetime.timedelta(days=7)


def percent(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`, to one decimal place; None when `whole` is 0."""
    return round(100 * part / whole, 1) if whole else None


# Dashboard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekSummary:
    """New learners, enrolments and completions in the last 7 days, and the 7 days before."""

    since: datetime.datetime
    new_learners: int
    new_learners_week_before: int
    enrolments: int
    enrolments_week_before: int
    completions: int
    completions_week_before: int


def week_summary(*, now: datetime.datetime | None = None) -> WeekSummary:
    """The dashboard's figures for the last 7 days: two aggregate queries."""
    now = now or timezone.now()
    since, before = now - WEEK, now - 2 * WEEK
    learners = (
        get_user_model()
        .objects.filter(is_staff=False, date_joined__gte=before)
        .aggregate(
            this_week=Count("pk", filter=Q(date_joined__gte=since)),
            week_before=Count("pk", filter=Q(date_joined__lt=since)),
        )
    )
    enrolments = Enrolment.objects.filter(
        Q(enrolled_at__gte=before) | Q(completed_at__gte=before)
    ).aggregate(
        enrolled=Count("pk", filter=Q(enrolled_at__gte=since)),
        enrolled_before=Count("pk", filter=Q(enrolled_at__gte=before, enrolled_at__lt=since)),
        completed=Count("pk", filter=Q(completed_at__gte=since)),
        completed_before=Count("pk", filter=Q(completed_at__gte=before, completed_at__lt=since)),
    )
    return WeekSummary(
        since=since,
        new_learners=learners["this_week"],
        new_learners_week_before=learners["week_before"],
        enrolments=enrolments["enrolled"],
        enrolments_week_before=enrolments["enrolled_before"],
        completions=enrolments["completed"],
        completions_week_before=enrolments["completed_before"],
    )


# Course funnel ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    """One lesson of the funnel: how many enrolled learners completed it."""

    number: int
    lesson_id: int
    title: str
    completed: int
    enrolled: int
    lost: int = 0
    is_drop_off: bool = False

    @property
    def percent(self) -> float | None:
        return percent(self.completed, self.enrolled)


@dataclass(frozen=True)
class Funnel:
    course: CoursePage | None
    enrolled: int
    steps: list[FunnelStep] = field(default_factory=list)

    @property
    def drop_off(self) -> FunnelStep | None:
        return next((step for step in self.steps if step.is_drop_off), None)


def course_choices() -> QuerySet[CoursePage]:
    return CoursePage.objects.order_by("path")


def course_funnel(*, course: CoursePage | None) -> Funnel:
    """Each published lesson in order, with how many enrolled learners completed it.

    The drop-off lesson is the one that loses the most learners compared with the step before
    it (enrolment itself comes before lesson 1). Three queries.
    """
    if course is None:
        return Funnel(course=None, enrolled=0)
    lessons = list(course.lessons().values_list("pk", "title"))
    enrolled_users = Enrolment.objects.filter(course=course).values("user_id")
    enrolled = Enrolment.objects.filter(course=course).count()
    counts = dict(
        LessonProgress.objects.filter(
            lesson_id__in=[pk for pk, _ in lessons],
            completed_at__isnull=False,
            user_id__in=enrolled_users,
        )
        .values("lesson_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("lesson_id", "n")
    )
    previous, losses = enrolled, []
    for pk, _ in lessons:
        losses.append(previous - counts.get(pk, 0))
        previous = counts.get(pk, 0)
    worst = max(losses, default=0)
    drop_off_index = losses.index(worst) if worst > 0 else None
    steps = [
        FunnelStep(
            number=n,
            lesson_id=pk,
            title=title,
            completed=counts.get(pk, 0),
            enrolled=enrolled,
            lost=losses[n - 1],
            is_drop_off=(n - 1 == drop_off_index),
        )
        for n, (pk, title) in enumerate(lessons, 1)
    ]
    return Funnel(course=course, enrolled=enrolled, steps=steps)


# Attribution ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributionRow:
    """One source page's learners, step by step from sign-up to booking."""

    source_id: int | None
    source_title: str
    signups: int
    completions: int
    waitlist_joins: int
    bookings: int

    @property
    def completion_rate(self) -> float | None:
        return percent(self.completions, self.signups)

    @property
    def waitlist_rate(self) -> float | None:
        # Of sign-ups, not of completions: people may join the wait list before finishing.
        return percent(self.waitlist_joins, self.signups)

    @property
    def booking_rate(self) -> float | None:
        return percent(self.bookings, self.waitlist_joins)

    @property
    def overall_rate(self) -> float | None:
        return percent(self.bookings, self.signups)


NO_SOURCE = "Direct or unknown"


def attribution(
    *,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    course: CoursePage | None = None,
) -> list[AttributionRow]:
    """Enrolments grouped by source page, in one query, most sign-ups first.

    Each enrolment counts once per step: its course completed, its learner on the wait list
    (in any status), its learner booked (entry booked, or a paid payment).
    """
    enrolments = Enrolment.objects.all()
    if start:
        enrolments = enrolments.filter(enrolled_at__gte=start)
    if end:
        enrolments = enrolments.filter(enrolled_at__lte=end)
    if course:
        enrolments = enrolments.filter(course=course)
    joined = WaitListEntry.objects.filter(user_id=OuterRef("user_id"))
    booked = WaitListEntry.objects.filter(user_id=OuterRef("user_id")).filter(
        Q(status=WaitListEntry.Status.BOOKED)
        | Q(Exists(Payment.objects.filter(entry_id=OuterRef("pk"), status=Payment.Status.PAID)))
    )
    rows = (
        enrolments.values("source_page_id", "source_page__title")
        .annotate(
            signups=Count("pk"),
            completions=Count("pk", filter=Q(completed_at__isnull=False)),
            waitlist_joins=Count("pk", filter=Q(Exists(joined))),
            bookings=Count("pk", filter=Q(Exists(booked))),
        )
        .order_by("-signups", "source_page__title")
    )
    return [
        AttributionRow(
            source_id=row["source_page_id"],
            source_title=row["source_page__title"] or NO_SOURCE,
            signups=row["signups"],
            completions=row["completions"],
            waitlist_joins=row["waitlist_joins"],
            bookings=row["bookings"],
        )
        for row in rows
    ]


def attribution_total(rows: list[AttributionRow]) -> AttributionRow:
    """All sources together, from the rows already fetched."""
    return AttributionRow(
        source_id=None,
        source_title="All sources",
        signups=sum(row.signups for row in rows),
        completions=sum(row.completions for row in rows),
        waitlist_joins=sum(row.waitlist_joins for row in rows),
        bookings=sum(row.bookings for row in rows),
    )


# Learners ---------------------------------------------------------------------------------


def _live_lesson_counts() -> dict[int, list[int]]:
    """Each course's published lesson ids, by course id: a query per course (a coach has a
    few)."""
    return {
        course.pk: list(course.lessons().values_list("pk", flat=True))
        for course in CoursePage.objects.all()
    }


LEARNERS_ORDER = ("-date_joined", "-pk")


def learners(*, search: str = "") -> QuerySet:
    """Enrolled learners, newest first, optionally those whose email or name contains `search`."""
    users = get_user_model().objects.filter(
        Exists(Enrolment.objects.filter(user_id=OuterRef("pk")))
    )
    if search:
        users = users.filter(
            Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    return users.order_by(*LEARNERS_ORDER)


def learners_with_progress(users: QuerySet) -> QuerySet:
    """The learners in `users` (a page of them, or all), each annotated in SQL.

    `lessons_completed` of `lessons_total` across the courses they are enrolled in,
    `courses_completed`, `last_activity` (their latest lesson visit) and `waitlist_status`
    (of their latest wait-list entry, if any). Two small queries, then one for the rows:
    for a page, pass the sliced queryset, and the slice becomes a subquery, so the
    annotations are computed for that page only.
    """
    lessons_by_course = _live_lesson_counts()
    live_lesson_ids = [pk for ids in lessons_by_course.values() for pk in ids]
    total_by_enrolment = Case(
        *[
            When(course_id=course_id, then=Value(len(ids)))
            for course_id, ids in lessons_by_course.items()
        ],
        default=Value(0),
        output_field=IntegerField(),
    )
    enrolments = Enrolment.objects.filter(user_id=OuterRef("pk")).order_by().values("user_id")
    progress = LessonProgress.objects.filter(user_id=OuterRef("pk")).order_by().values("user_id")
    if users.query.is_sliced:
        users = get_user_model().objects.filter(pk__in=users.values("pk"))
    return users.annotate(
        lessons_total=Coalesce(
            Subquery(enrolments.annotate(n=Sum(total_by_enrolment)).values("n")), 0
        ),
        courses_completed=Coalesce(
            Subquery(
                enrolments.filter(completed_at__isnull=False).annotate(n=Count("pk")).values("n")
            ),
            0,
        ),
        lessons_completed=Coalesce(
            Subquery(
                progress.filter(completed_at__isnull=False, lesson_id__in=live_lesson_ids)
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
        last_activity=last_activity(user_field="pk"),
        waitlist_status=Subquery(
            WaitListEntry.objects.filter(user_id=OuterRef("pk"))
            .order_by("-created_at", "-pk")
            .values("status")[:1]
        ),
    ).order_by(*LEARNERS_ORDER)


# Enrolments over time ---------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCount:
    """Enrolments in the week starting on `week` (a Monday)."""

    week: datetime.date
    enrolments: int
    completions: int


def enrolments_by_week(*, weeks: int = 12, today: datetime.date | None = None) -> list[WeekCount]:
    """Enrolments and course completions per week (Monday to Sunday), oldest first.

    The current week is the last one. One query: a filtered count per week and measure, with
    the weeks' boundaries worked out here in local time.
    """
    today = today or timezone.localdate()
    first_monday = today - datetime.timedelta(days=today.weekday()) - (weeks - 1) * WEEK
    mondays = [first_monday + n * WEEK for n in range(weeks)]
    bounds = [
        timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        for day in [*mondays, mondays[-1] + WEEK]
    ]
    counts = {}
    for n in range(weeks):
        start, end = bounds[n], bounds[n + 1]
        counts[f"enrolled_{n}"] = Count("pk", filter=Q(enrolled_at__gte=start, enrolled_at__lt=end))
        counts[f"completed_{n}"] = Count(
            "pk", filter=Q(completed_at__gte=start, completed_at__lt=end)
        )
    totals = Enrolment.objects.filter(
        Q(enrolled_at__gte=bounds[0]) | Q(completed_at__gte=bounds[0])
    ).aggregate(**counts)
    return [
        WeekCount(
            week=monday, enrolments=totals[f"enrolled_{n}"], completions=totals[f"completed_{n}"]
        )
        for n, monday in enumerate(mondays)
    ]
