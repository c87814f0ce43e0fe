"""Reads about learners' progress, each in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cache, cached_property

from django.apps import apps
from django.db import connection
from django.utils import timezone

from coachhouse import caching
from course.models import CoursePage, Enrolment, LessonProgress, Reflection


@dataclass(frozen=True)
class LessonOpening:
    """A drip-scheduled lesson that is still locked for the learner, and when it opens."""

    lesson: object
    number: int
    opens_at: datetime


@dataclass
class CourseProgress:
    """A learner's place in one course: what is done, what is next."""

    course: CoursePage
    lessons: list
    completed_ids: set[int] = field(default_factory=set)
    completions: dict[int, datetime] = field(default_factory=dict)
    last_visits: dict[int, datetime | None] = field(default_factory=dict)
    reflected_ids: set[int] = field(default_factory=set)
    enrolment: Enrolment | None = None
    now: datetime = field(default_factory=timezone.now)

    @property
    def total(self) -> int:
        return len(self.lessons)

    @cached_property
    def lesson_ids(self) -> frozenset[int]:
        if self.lessons is self.course.lesson_list:  # the course's own: kept with the course
            return self.course.lesson_ids
        return frozenset(lesson.pk for lesson in self.lessons)

    @property
    def completed_count(self) -> int:
        return len(self.completed_ids & self.lesson_ids)

    @property
    def percent(self) -> int:
        # Halves round up (3 of 8 is 38%, 1 of 8 is 13%), unlike round()'s banker's rounding.
        return (200 * self.completed_count + self.total) // (2 * self.total) if self.total else 0

    @property
    def is_complete(self) -> bool:
        return self.total > 0 and self.completed_count == self.total

    @property
    def resume_lesson(self):
        """The first lesson not yet completed, or the last lesson when all are done."""
        for lesson in self.lessons:
            if lesson.pk not in self.completed_ids:
                return lesson
        return self.lessons[-1] if self.lessons else None

    def up_next(self, lesson):
        """The lesson to continue with once `lesson` is done: None when the course is
        complete, or when that would be `lesson` itself."""
        resume = None if self.is_complete else self.resume_lesson
        return None if resume is None or resume.pk == lesson.pk else resume

    @property
    def resume_number(self) -> int:
        resume = self.resume_lesson
        return next((n for n, lesson in enumerate(self.lessons, 1) if lesson == resume), 0)

    def is_done(self, lesson) -> bool:
        return lesson.pk in self.completed_ids

    def completed_at(self, lesson) -> datetime | None:
        return self.completions.get(lesson.pk)

    @property
    def last_visit(self) -> datetime | None:
        """The learner's latest visit to any lesson of the course."""
        return max(self.last_visits.values(), default=None)

    def has_reflections(self, lesson) -> bool:
        """Whether the learner has answered a reflection prompt in the lesson: only then
        are their answers worth a query."""
        return lesson.pk in self.reflected_ids

    def opens_at(self, lesson) -> datetime | None:
        """When the lesson opens for this learner while drip still locks it; otherwise None."""
        opens = lesson_opens_at(lesson=lesson, enrolment=self.enrolment)
        return opens if opens is not None and opens > self.now else None

    def is_locked(self, lesson) -> bool:
        return self.opens_at(lesson) is not None

    @property
    def resume_opens_at(self) -> datetime | None:
        """When the lesson to continue with opens, if drip still locks it."""
        return self.opens_at(self.resume_lesson) if self.resume_lesson else None

    @property
    def next_opening(self) -> LessonOpening | None:
        """The locked lesson that opens soonest (the earlier lesson on a tie)."""
        locked = [
            LessonOpening(lesson=lesson, number=number, opens_at=opens_at)
            for number, lesson in enumerate(self.lessons, 1)
            if (opens_at := self.opens_at(lesson)) is not None
        ]
        return min(locked, key=lambda opening: (opening.opens_at, opening.number), default=None)


def lesson_opens_at(*, lesson, enrolment: Enrolment | None) -> datetime | None:
    """When a drip-scheduled lesson opens for an enrolment; None if it never waits.

    It opens at the start of the day (in the site's time zone) N days after enrolment, so
    "Opens on 14 May" holds for the whole of 14 May.
    """
    days = lesson.available_after_days
    if enrolment is None or lesson.free_preview or not days:
        return None
    day = timezone.localdate(enrolment.enrolled_at) + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time.min))


def live_lesson(lesson_id: int, *, request=None):
    """The published lesson with this id, or None; kept in the process like routed pages."""
    return caching.live_page(apps.get_model("lessons", "LessonPage"), lesson_id, request=request)


def lesson_course(*, lesson, request=None) -> CoursePage:
    """The lesson's course with its lesson list loaded, kept in the process until the content
    changes (see coachhouse/caching.py): the outline costs no query and no unpickling per
    visit. Shared by every request: never change it."""
    course_path = lesson.path[: -lesson.steplen]

    def load():
        course = CoursePage.objects.get(path=course_path)
        course.lesson_ids  # noqa: B018 (evaluated, with the lesson list, to be kept with the course)
        return course

    return caching.kept(("course", course_path), load, request=request)


def course_progress(
    *,
    user,
    course: CoursePage,
    lessons: list | None = None,
    now: datetime | None = None,
    enrolment: Enrolment | None = None,
) -> CourseProgress:
    """The learner's progress in the course: the enrolment and all progress (completions, the
    last visit of each lesson, where they answered reflections) in one query, or only the
    progress when the enrolment is given."""
    lessons = course.lesson_list if lessons is None else lessons
    progress = CourseProgress(course=course, lessons=lessons, now=now or timezone.now())
    if not user.is_authenticated:
        return progress
    if enrolment is None:
        enrolment, rows = _enrolment_with_progress(user=user, course=course)
    else:
        rows = _rows(PROGRESS_SQL, [user.pk])
    progress.enrolment = enrolment
    if enrolment:
        # All the learner's rows, not `lesson_id__in` the course: a person's progress is a few
        # dozen rows, and a filter on fifty ids costs more to build than the rows to read.
        lesson_ids = progress.lesson_ids
        for lesson_id, completed_at, last_visited_at, has_reflections in rows:
            if lesson_id not in lesson_ids:
                continue
            progress.last_visits[lesson_id] = last_visited_at
            if has_reflections:
                progress.reflected_ids.add(lesson_id)
            if completed_at is not None:
                progress.completed_ids.add(lesson_id)
                progress.completions[lesson_id] = completed_at
    return progress


PROGRESS_FIELDS = ("lesson_id", "completed_at", "last_visited_at", "has_reflections")
ENROLMENT_FIELDS = tuple(field.attname for field in Enrolment._meta.concrete_fields)
# The lesson page and "Mark complete" read these on every request, and the ORM took longer to
# build each query than the database took to answer it, so they are written out once per
# process (see `_query`): names come from the models, the user and the course are parameters.
ENROLMENT_SQL = "SELECT {enrolment_columns} FROM {enrolments} e WHERE {user} = %s AND {course} = %s"
ENROLMENT_WITH_PROGRESS_SQL = (
    "SELECT {enrolment_columns}, {progress_columns} FROM {enrolments} e "
    "LEFT JOIN {progress} p ON {progress_user} = {user} "
    "WHERE {user} = %s AND {course} = %s"
)
PROGRESS_SQL = "SELECT {progress_columns} FROM {progress} p WHERE {progress_user} = %s"


def learner_enrolment(*, user, course: CoursePage) -> Enrolment | None:
    """The learner's enrolment in the course, or None."""
    rows = _rows(ENROLMENT_SQL, [user.pk, course.pk])
    return _enrolment(rows[0], user=user, course=course) if rows else None


def _enrolment_with_progress(*, user, course: CoursePage) -> tuple[Enrolment | None, list]:
    """The learner's enrolment in the course, joined to every progress row of theirs: one
    row per progress row (or one with the progress columns empty), none if not enrolled."""
    rows = _rows(ENROLMENT_WITH_PROGRESS_SQL, [user.pk, course.pk])
    if not rows:
        return None, []
    split = len(ENROLMENT_FIELDS)
    enrolment = _enrolment(rows[0][:split], user=user, course=course)
    return enrolment, [row[split:] for row in rows if row[split] is not None]


def _enrolment(values, *, user, course: CoursePage) -> Enrolment:
    enrolment = Enrolment.from_db(connection.alias, ENROLMENT_FIELDS, values)
    enrolment.user, enrolment.course = user, course
    return enrolment


def _rows(template: str, params: list) -> list[tuple]:
    """The rows of one of the queries above, with values as the ORM gives them."""
    sql, converters = _query(template)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_converted(row, converters) for row in rows] if converters else rows


@cache
def _query(template: str) -> tuple[str, list]:
    """A query's SQL, from the models, and the database's converters of its columns."""
    quote = connection.ops.quote_name
    enrolments, progress = Enrolment._meta, LessonProgress._meta
    enrolment_columns = [("e", column) for column in enrolments.concrete_fields]
    progress_columns = [("p", progress.get_field(name)) for name in PROGRESS_FIELDS]

    def name(alias, model_field) -> str:
        return f"{alias}.{quote(model_field.column)}"

    def names(columns) -> str:
        return ", ".join(name(alias, model_field) for alias, model_field in columns)

    sql = template.format(
        enrolment_columns=names(enrolment_columns),
        progress_columns=names(progress_columns),
        enrolments=quote(enrolments.db_table),
        progress=quote(progress.db_table),
        progress_user=name("p", progress.get_field("user")),
        user=name("e", enrolments.get_field("user")),
        course=name("e", enrolments.get_field("course")),
    )
    columns = enrolment_columns if "{enrolment_columns}" in template else []
    columns += progress_columns if "{progress_columns}" in template else []
    converters = []
    for index, (alias, model_field) in enumerate(columns):
        expression = model_field.get_col(alias)
        found = connection.ops.get_db_converters(expression)
        found += expression.get_db_converters(connection)
        if found:
            converters.append((index, found, expression))
    return sql, converters


def _converted(row: tuple, converters: list) -> tuple:
    """The row's values as the ORM gives them (SQLite's dates and times, for one)."""
    values = list(row)
    for index, functions, expression in converters:
        for convert in functions:
            values[index] = convert(values[index], expression, connection)
    return tuple(values)


def learner_courses(*, user, now: datetime | None = None) -> list[CourseProgress]:
    """Every course the learner is enrolled in, most recently enrolled first."""
    enrolments = (
        Enrolment.objects.filter(user=user).select_related("course").order_by("-enrolled_at")
    )
    return [
        course_progress(user=user, course=enrolment.course, now=now, enrolment=enrolment)
        for enrolment in enrolments
    ]


def lesson_reflections(*, user, lesson) -> dict[str, Reflection]:
    """The learner's answers in this lesson, by reflection block id."""
    if not user.is_authenticated:
        return {}
    return {r.block_id: r for r in Reflection.objects.filter(user=user, lesson=lesson)}


def learner_reflections(*, user):
    """All the learner's answers, grouped in course and lesson order."""
    return (
        Reflection.objects.filter(user=user)
        .select_related("lesson")
        .order_by("lesson__path", "created_at")
    )


def lesson_is_open(*, user, lesson, progress: CourseProgress, preview: bool = False) -> bool:
    """Free previews are open to all; the rest to enrolled learners once drip opens them
    (`progress.now` is the clock), and to editors who are not enrolled."""
    if lesson.free_preview or preview:
        return True
    if progress.enrolment is not None:
        return not progress.is_locked(lesson)
    return caching.may_use_admin(user)


@dataclass(frozen=True)
class DripScheduleRow:
    """One lesson in the editors' drip schedule."""

    number: int
    lesson: object
    days: int | None

    @property
    def opens(self) -> str:
        if self.lesson.free_preview or not self.days:
            return "At enrolment"
        return f"Day {self.days} after enrolment"


def course_drip_schedule(*, course: CoursePage) -> list[DripScheduleRow]:
    """Every lesson of the course, drafts included, in order, with its day offset."""
    if course.pk is None:
        return []
    lesson_model = apps.get_model("lessons", "LessonPage")
    lessons = lesson_model.objects.child_of(course).order_by("path")
    return [
        DripScheduleRow(number=number, lesson=lesson, days=lesson.available_after_days)
        for number, lesson in enumerate(lessons, 1)
    ]
