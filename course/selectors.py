"""Reads about learners' progress, each in a fixed number of queries."""

from dataclasses import dataclass, field

from course.models import CoursePage, Enrolment, LessonProgress, Reflection


@dataclass
class CourseProgress:
    """A learner's place in one course: what is done, what is next."""

    course: CoursePage
    lessons: list
    completed_ids: set[int] = field(default_factory=set)
    enrolment: Enrolment | None = None

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def completed_count(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.pk in self.completed_ids)

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

    @property
    def resume_number(self) -> int:
        resume = self.resume_lesson
        return next((n for n, lesson in enumerate(self.lessons, 1) if lesson == resume), 0)

    def is_done(self, lesson) -> bool:
        return lesson.pk in self.completed_ids


def course_progress(*, user, course: CoursePage, lessons: list | None = None) -> CourseProgress:
    """The learner's progress in the course: one query for enrolment, one for all progress."""
    lessons = course.lesson_list if lessons is None else lessons
    progress = CourseProgress(course=course, lessons=lessons)
    if not user.is_authenticated:
        return progress
    progress.enrolment = Enrolment.objects.filter(user=user, course=course).first()
    if progress.enrolment:
        progress.completed_ids = set(
            LessonProgress.objects.filter(
                user=user,
                lesson_id__in=[lesson.pk for lesson in lessons],
                completed_at__isnull=False,
            ).values_list("lesson_id", flat=True)
        )
    return progress


def learner_courses(*, user) -> list[CourseProgress]:
    """Every course the learner is enrolled in, most recently enrolled first."""
    enrolments = (
        Enrolment.objects.filter(user=user).select_related("course").order_by("-enrolled_at")
    )
    return [course_progress(user=user, course=enrolment.course) for enrolment in enrolments]


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
    """Free previews are open to all; the rest to enrolled learners, and to editors."""
    return (
        lesson.free_preview
        or preview
        or progress.enrolment is not None
        or (user.is_authenticated and user.has_perm("wagtailadmin.access_admin"))
    )
