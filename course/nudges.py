"""Reminder emails ("nudges") for learners whose course has gone quiet.

A learner is idle since the latest of: enrolling, visiting or completing a lesson of the
course, and the day drip opened the lesson they would continue with (waiting for a lesson to
open is not stalling). For each step configured in Settings → Course reminders (3, 7 and 14
days by default) an enrolment gets at most one email, ever: the `Nudge` row, unique per
enrolment and step, is inserted before the email is queued (on commit), so concurrent runs
cannot both send it. When a run finds several steps due at once (the job did not run for a
while), it emails only the highest and records the lower ones as skipped.

Never nudged: finished courses, learners on a break (`nudges_paused_until`), learners who
unsubscribed from course emails (`User.course_emails_unsubscribed_at`), deactivated accounts.
Course reminders are about a course the learner chose to start, so they do not depend on the
separate "news by email" consent; every reminder carries a one-click unsubscribe.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import batched

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from course import emails
from course.models import CoursePage, Enrolment, LessonProgress, Nudge, NudgeSettings
from course.selectors import CourseProgress, last_activity, lesson_opens_at

BATCH_SIZE = 500


@dataclass
class NudgeRun:
    """What one run of `nudges_send` did."""

    enabled: bool = True
    sent: Counter = field(default_factory=Counter)  # emails by step
    skipped: int = 0  # lower steps passed over for a higher one due at the same time
    taken: int = 0  # steps another run recorded first

    @property
    def sent_total(self) -> int:
        return sum(self.sent.values())

    def summary(self) -> str:
        if not self.enabled:
            return "Course reminders are turned off (Settings → Course reminders); sent none."
        by_step = ", ".join(f"day {step}: {count}" for step, count in sorted(self.sent.items()))
        text = f"Sent {self.sent_total} course reminder{'s' if self.sent_total != 1 else ''}"
        text += f" ({by_step})." if by_step else "."
        if self.skipped:
            text += f" Passed over {self.skipped} earlier step{'s' if self.skipped != 1 else ''}."
        if self.taken:
            text += f" {self.taken} already sent by another run."
        return text


def nudges_send(*, now: datetime | None = None) -> NudgeRun:
    """Email every stalled learner the highest reminder step now due, once per step."""
    now = now or timezone.now()
    config = NudgeSettings.load()
    steps = config.steps
    run = NudgeRun(enabled=config.enabled and bool(steps))
    if not run.enabled:
        return run
    for course in CoursePage.objects.live().order_by("path"):
        lessons = course.lesson_list
        if lessons:
            _course_nudges_send(course=course, lessons=lessons, steps=steps, now=now, run=run)
    return run


def _course_nudges_send(*, course, lessons, steps: list[int], now: datetime, run: NudgeRun):
    for batch in batched(
        _stalled_enrolments(course=course, lessons=lessons, steps=steps, now=now).iterator(
            chunk_size=BATCH_SIZE
        ),
        BATCH_SIZE,
    ):
        completed = _completed_lessons(batch, lessons)
        recorded = _recorded_steps(batch)
        for enrolment in batch:
            progress = CourseProgress(
                course=course,
                lessons=lessons,
                completed_ids=completed.get(enrolment.user_id, set()),
                enrolment=enrolment,
                now=now,
            )
            if progress.is_complete:
                continue
            lesson = progress.resume_lesson
            idle_since = max(
                enrolment.last_activity,
                lesson_opens_at(lesson=lesson, enrolment=enrolment) or enrolment.last_activity,
            )
            due = [
                step
                for step in steps
                if now - idle_since >= timedelta(days=step)
                and step not in recorded.get(enrolment.pk, set())
            ]
            if due:
                _nudge_send(progress=progress, step=due[-1], skip=due[:-1], now=now, run=run)


def _stalled_enrolments(*, course, lessons, steps: list[int], now: datetime):
    """Enrolments idle at least the first step, still unfinished and still open to reminders."""
    return (
        Enrolment.objects.filter(
            course=course,
            completed_at__isnull=True,
            user__is_active=True,
            user__course_emails_unsubscribed_at__isnull=True,
        )
        .exclude(nudges_paused_until__gt=now)
        # Recording a step records every lower one, so the last step marks an enrolment done.
        .exclude(Exists(Nudge.objects.filter(enrolment=OuterRef("pk"), step__gte=steps[-1])))
        .annotate(
            last_activity=Greatest(
                "enrolled_at",
                Coalesce(
                    last_activity(lesson_ids=[lesson.pk for lesson in lessons]), "enrolled_at"
                ),
            )
        )
        .filter(last_activity__lte=now - timedelta(days=steps[0]))
        .select_related("user", "course")
        .order_by("pk")
    )


def _completed_lessons(enrolments, lessons) -> dict[int, set[int]]:
    completed: dict[int, set[int]] = {}
    rows = LessonProgress.objects.filter(
        user_id__in=[enrolment.user_id for enrolment in enrolments],
        lesson_id__in=[lesson.pk for lesson in lessons],
        completed_at__isnull=False,
    ).values_list("user_id", "lesson_id")
    for user_id, lesson_id in rows:
        completed.setdefault(user_id, set()).add(lesson_id)
    return completed


def _recorded_steps(enrolments) -> dict[int, set[int]]:
    recorded: dict[int, set[int]] = {}
    rows = Nudge.objects.filter(enrolment__in=enrolments).values_list("enrolment_id", "step")
    for enrolment_id, step in rows:
        recorded.setdefault(enrolment_id, set()).add(step)
    return recorded


def _nudge_send(*, progress: CourseProgress, step: int, skip: list[int], now, run: NudgeRun):
    """Record the step, then queue its email for after the commit; a lost race sends nothing."""
    enrolment = progress.enrolment
    try:
        with transaction.atomic():
            Nudge.objects.create(
                enrolment=enrolment, step=step, sent_at=now, lesson=progress.resume_lesson
            )
            skipped = Nudge.objects.bulk_create(
                [Nudge(enrolment=enrolment, step=s, sent_at=now, skipped=True) for s in skip],
                ignore_conflicts=True,
            )
            emails.send_nudge(progress=progress, step=step)
    except IntegrityError:
        run.taken += 1
        return
    run.sent[step] += 1
    run.skipped += len(skipped)
