"""Changes to enrolments and progress. Views, admin actions and tasks all come through here."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.models import Page

from accounts.services import Kept
from course import emails
from course.models import CourseOrder, CoursePage, Enrolment, LessonProgress, Reflection
from course.selectors import (
    CourseProgress,
    course_paid_for,
    course_progress,
    learner_enrolment,
    lesson_course,
    lesson_opens_at,
)

# "Take a break" pauses reminder emails for this long.
NUDGE_BREAK_DAYS = 30
# How often a learner's reading of a course is written down (see `lesson_visit`).
VISIT_RESOLUTION = timedelta(minutes=15)

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class NotEnrolled(Exception):
    """The learner is not enrolled in the course this lesson belongs to."""


class PaymentRequired(Exception):
    """The course has a price, and the learner has no paid order for it."""

    def __init__(self, course: CoursePage):
        self.course = course
        super().__init__(f"“{course.title}” is {course.price_display}: buy it to start.")


class LessonLocked(Exception):
    """Drip still locks the lesson for this learner; `opens_at` says when it opens."""

    def __init__(self, lesson, opens_at: datetime):
        super().__init__(f"{lesson} opens at {opens_at:%Y-%m-%d %H:%M %Z}")
        self.lesson = lesson
        self.opens_at = opens_at


@dataclass(frozen=True)
class EnrolmentSource:
    """Where a learner came from: a page on this site, and the campaign's UTM tags."""

    page: Page | None = None
    utm: dict[str, str] | None = None


def enrolment_create(*, user, course: CoursePage, source: EnrolmentSource | None = None):
    """Enrol the learner; enrolling again is a no-op. Returns (enrolment, created).

    A course with a price takes only learners who paid for it (`order_paid`): every way in (the
    start page, an article's call to action, the dashboard) comes through here.
    """
    if not course.is_free and not course_paid_for(user=user, course=course):
        raise PaymentRequired(course)
    source = source or EnrolmentSource()
    utm = {
        key: value.replace("\x00", "")[:100]
        for key, value in (source.utm or {}).items()
        if key in UTM_FIELDS
    }
    try:
        with transaction.atomic():
            enrolment, created = Enrolment.objects.get_or_create(
                user=user, course=course, defaults={"source_page": source.page, **utm}
            )
            if created:
                # Queued with the enrolment (accounts/mail.py): an enrolment saved has its email.
                emails.send_welcome(enrolment)
    except IntegrityError:
        # A concurrent request created it between our read and our insert.
        return Enrolment.objects.get(user=user, course=course), False
    return enrolment, created


def lesson_visit(*, user, lesson, last_visit: datetime | None = None) -> None:
    """Note that the learner is reading the course: the time goes on the lesson's row.

    Inactivity (reminder emails, the coach's learner report) is counted in days from the
    latest visit to any lesson of the course, so given that visit (`last_visit`), one within
    VISIT_RESOLUTION of it writes nothing: a learner reading lesson after lesson is written
    down once a quarter of an hour, not on every page view.
    """
    now = timezone.now()
    if last_visit is not None and now - last_visit < VISIT_RESOLUTION:
        return
    # One statement, first visit or not: INSERT ... ON CONFLICT (user, lesson) DO UPDATE.
    LessonProgress.objects.bulk_create(
        [LessonProgress(user=user, lesson=lesson, last_visited_at=now)],
        update_conflicts=True,
        unique_fields=["user", "lesson"],
        update_fields=["last_visited_at"],
    )


def lesson_complete(*, user, lesson, course: CoursePage | None = None) -> CourseProgress:
    """Mark the lesson complete; completing twice keeps the first time. May complete the course.

    Returns the learner's progress in the course afterwards: the one read that decides the
    course's completion is also what the learner is shown.
    """
    now = timezone.now()
    course = course or lesson_course(lesson=lesson)
    enrolment = _open_enrolment_for(user=user, lesson=lesson, course=course, now=now)
    # The write commits before the progress is read, not in one transaction with it: a learner
    # who completes the last two lessons at once (two tabs) then has at least one read that
    # sees both, and the course is completed, where two transactions would each miss the other.
    _progress_complete(user=user, lesson=lesson, now=now)
    progress = course_progress(user=user, course=course, enrolment=enrolment, now=now)
    _course_completion_update(progress)
    return progress


def _progress_complete(*, user, lesson, now: datetime) -> None:
    """Record the completion, keeping an earlier completion's time; it counts as a visit too.

    Insert the row unless it is there (the unique constraint settles two clicks, or a visit
    from another tab, at the same moment), then complete it unless it is complete already.
    Each statement commits on its own, so a click answered is a click stored.
    """
    LessonProgress.objects.bulk_create(
        [LessonProgress(user=user, lesson=lesson, completed_at=now, last_visited_at=now)],
        ignore_conflicts=True,
    )
    LessonProgress.objects.filter(user=user, lesson=lesson).update(
        completed_at=Coalesce("completed_at", Value(now)), last_visited_at=now
    )


def lesson_uncomplete(*, user, lesson, course: CoursePage | None = None) -> CourseProgress:
    """Take back a lesson's completion. A course once completed keeps its completion date.

    Returns the learner's progress in the course afterwards."""
    course = course or lesson_course(lesson=lesson)
    enrolment = _enrolment_for(user=user, course=course, lesson=lesson)
    LessonProgress.objects.filter(user=user, lesson=lesson).update(completed_at=None)
    return course_progress(user=user, course=course, enrolment=enrolment)


def reflection_save(*, user, lesson, block_id: str, prompt: str, answer: str) -> Reflection:
    """Save the learner's private answer to a reflection prompt (one per prompt).

    The lesson's progress row notes that the learner has answers there, in the same
    transaction: the lesson page reads a learner's answers only in lessons where they have
    some (see `selectors.CourseProgress.has_reflections`).
    """
    course = lesson_course(lesson=lesson)
    _open_enrolment_for(user=user, lesson=lesson, course=course, now=timezone.now())
    with transaction.atomic():
        LessonProgress.objects.bulk_create(
            [LessonProgress(user=user, lesson=lesson, has_reflections=True)],
            update_conflicts=True,
            unique_fields=["user", "lesson"],
            update_fields=["has_reflections"],
        )
        try:
            with transaction.atomic():
                reflection, _ = Reflection.objects.update_or_create(
                    user=user,
                    lesson=lesson,
                    block_id=block_id,
                    defaults={"prompt": prompt, "answer": answer},
                )
        except IntegrityError:
            Reflection.objects.filter(user=user, lesson=lesson, block_id=block_id).update(
                prompt=prompt, answer=answer, updated_at=timezone.now()
            )
            reflection = Reflection.objects.get(user=user, lesson=lesson, block_id=block_id)
    return reflection


def enrolment_pause_nudges(*, enrolment: Enrolment, now: datetime | None = None) -> Enrolment:
    """Take a break: no reminder emails for this course for the next 30 days."""
    enrolment.nudges_paused_until = (now or timezone.now()) + timedelta(days=NUDGE_BREAK_DAYS)
    enrolment.save(update_fields=["nudges_paused_until"])
    return enrolment


def enrolment_resume_nudges(*, enrolment: Enrolment) -> Enrolment:
    """End a break early: reminders may come again when the learner stalls."""
    enrolment.nudges_paused_until = None
    enrolment.save(update_fields=["nudges_paused_until"])
    return enrolment


def _enrolment_for(*, user, course: CoursePage, lesson) -> Enrolment:
    enrolment = learner_enrolment(user=user, course=course)
    if enrolment is None:
        raise NotEnrolled(lesson)
    return enrolment


def _open_enrolment_for(*, user, lesson, course: CoursePage, now: datetime) -> Enrolment:
    """The learner's enrolment, if drip has opened the lesson for them."""
    enrolment = _enrolment_for(user=user, course=course, lesson=lesson)
    opens_at = lesson_opens_at(lesson=lesson, enrolment=enrolment)
    if opens_at is not None and opens_at > now:
        raise LessonLocked(lesson, opens_at)
    return enrolment


def _course_completion_update(progress: CourseProgress) -> None:
    """Mark the course complete once every published lesson is; send the email once."""
    enrolment = progress.enrolment
    if not progress.is_complete or enrolment.completed_at is not None:
        return
    with transaction.atomic():  # the completion and its email are saved together
        newly_completed = Enrolment.objects.filter(
            pk=enrolment.pk, completed_at__isnull=True
        ).update(completed_at=progress.now)
        if newly_completed:
            enrolment.completed_at = progress.now
            emails.send_completion(enrolment)


def enrolment_set_certificate_searchable(*, enrolment: Enrolment, searchable: bool) -> Enrolment:
    """The learner's choice whether search engines may list their certificate."""
    enrolment.certificate_searchable = searchable
    enrolment.save(update_fields=["certificate_searchable"])
    return enrolment


def order_paid(*, order: CourseOrder, payment_intent_id: str) -> bool:
    """Record a paid Checkout and let its learner in. Call it inside a transaction holding the
    order's row lock (coaching/payments.py does); acts only on a pending order. Returns whether
    the learner was let in: False when they had paid for the course already (another tab),
    which leaves this order pending for the coach to refund."""
    if order.status != CourseOrder.Status.PENDING:
        return False
    order.status = CourseOrder.Status.PAID
    order.stripe_payment_intent_id = payment_intent_id
    order.paid_at = timezone.now()
    try:
        with transaction.atomic():
            order.save(
                update_fields=[
                    "status",
                    "stripe_payment_intent_id",
                    "paid_at",
                    "amount_minor",
                    "amount_tax_minor",
                    "invoice_url",
                ]
            )
    except IntegrityError:  # one_paid_order_per_learner_and_course
        order.refresh_from_db()
        return False
    enrolment_create(user=order.user, course=order.course)
    emails.send_course_receipt(order)
    return True


def order_refunded(*, order: CourseOrder) -> None:
    """A paid order refunded in full: the course is no longer the learner's. Their progress and
    reflections stay, and come back if they buy it again; the free preview stays open."""
    if order.status != CourseOrder.Status.PAID:
        return
    order.status = CourseOrder.Status.REFUNDED
    order.refunded_at = timezone.now()
    order.save(update_fields=["status", "refunded_at"])
    Enrolment.objects.filter(user_id=order.user_id, course_id=order.course_id).delete()


ORDER_RECORDS_WHY = (
    "Tax law requires a business to keep a record of each sale for six years. The record no "
    "longer carries your name or email address. Stripe, which took the payment, keeps its own "
    "record under its own privacy policy."
)


def orders_erase_person(*, user, email: str) -> list[Kept]:
    """The learner deleted their account: orders never paid go; paid (or refunded) ones stay,
    without them (the order's user is set to nothing when the account goes)."""
    orders = CourseOrder.objects.filter(user=user)
    orders.exclude(status__in=[CourseOrder.Status.PAID, CourseOrder.Status.REFUNDED]).delete()
    orders.update(checkout_url="")
    kept = orders.count()
    if not kept:
        return []
    what = (
        f"{kept} course order{'s' if kept != 1 else ''}: the amount, the date and "
        "Stripe's reference"
    )
    return [Kept(what=what, why=ORDER_RECORDS_WHY)]
