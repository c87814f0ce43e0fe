"""Reads about learners' progress, each in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property

from django.apps import apps
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from coachhouse import content_version
from course.models import CourseOrder, CoursePage, Enrolment, LessonProgress, Reflection


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


def live_lesson(lesson_id: int):
    """The published lesson with this id, or None: kept in the cache until the next publish
    with what its views read (its course and lessons), each caller getting its own copy."""

    def load():
        lesson = apps.get_model("lessons", "LessonPage").objects.live().filter(pk=lesson_id)
        lesson = lesson.first()
        if lesson is not None:
            lesson.load_for_views()
        return lesson

    return content_version.shared(f"live-lesson:{lesson_id}", load)


def lesson_course(*, lesson) -> CoursePage:
    """The course a lesson belongs to (its parent page), kept in the cache until the next
    publish; each caller gets its own copy."""
    return content_version.shared(
        f"lesson-course:{lesson.pk}", lambda: CoursePage.objects.parent_of(lesson).get()
    )


def course_progress(
    *,
    user,
    course: CoursePage,
    lessons: list | None = None,
    now: datetime | None = None,
    enrolment: Enrolment | None = None,
) -> CourseProgress:
    """The learner's progress in the course: their enrolment and all their progress rows
    (completions, the last visit of each lesson, where they answered reflections) in one
    query, or only the rows when the enrolment is given."""
    lessons = course.lesson_list if lessons is None else lessons
    progress = CourseProgress(course=course, lessons=lessons, now=now or timezone.now())
    if not user.is_authenticated:
        return progress
    if enrolment is None:
        enrolment, rows = _enrolment_with_progress(user=user, course=course)
    else:
        rows = LessonProgress.objects.filter(user=user).values_list(*PROGRESS_FIELDS)
    progress.enrolment = enrolment
    if enrolment is None:
        return progress
    # All the learner's rows, kept if they are the course's: a person's progress is a few
    # dozen rows, cheaper to read whole than to filter on fifty lesson ids.
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


def _enrolment_with_progress(*, user, course: CoursePage) -> tuple[Enrolment | None, list]:
    """The learner's enrolment in the course and every progress row of theirs, in one query
    (the enrolment joined to the rows): the lesson page's one read of the learner."""
    enrolment_fields = [field.attname for field in Enrolment._meta.concrete_fields]
    joined = [f"user__lesson_progress__{name}" for name in PROGRESS_FIELDS]
    rows = list(
        Enrolment.objects.filter(user=user, course=course).values_list(*enrolment_fields, *joined)
    )
    if not rows:
        return None, []
    split = len(enrolment_fields)
    enrolment = Enrolment(**dict(zip(enrolment_fields, rows[0][:split], strict=True)))
    enrolment.user, enrolment.course = user, course
    return enrolment, [row[split:] for row in rows if row[split] is not None]


def course_paid_for(*, user, course: CoursePage) -> bool:
    """The learner has a paid (and not refunded) order for the course."""
    return CourseOrder.objects.filter(
        user=user, course=course, status=CourseOrder.Status.PAID
    ).exists()


def learner_enrolment(*, user, course: CoursePage) -> Enrolment | None:
    """The learner's enrolment in the course, or None."""
    return Enrolment.objects.filter(user=user, course=course).first()


def last_activity(*, user_field: str = "user_id", lesson_ids=None) -> Subquery:
    """A learner's last activity, for annotating enrolments or users: their latest visit to a
    lesson (of `lesson_ids`, if given). "Mark complete" counts as a visit, so this is also
    their latest completion. The one rule reminders and the coach's reports both use."""
    rows = LessonProgress.objects.filter(user_id=OuterRef(user_field))
    if lesson_ids is not None:
        rows = rows.filter(lesson_id__in=lesson_ids)
    latest = rows.order_by().values("user_id").annotate(latest=Max("last_visited_at"))
    return Subquery(latest.values("latest")[:1])


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
    return user.has_perm("wagtailadmin.access_admin")


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
