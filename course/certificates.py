"""Certificates: issued once a graduate has given the name to put on it, and never changed
after. What they certify (the course's title, the lessons completed, the day) is recorded on
the enrolment when the certificate is issued; a lesson added later is new to the graduate."""

from django.db import transaction
from django.utils import timezone

from accounts.services import user_set_name
from course.models import Enrolment, LessonProgress


class NotCompleted(Exception):
    """Only a completed course has a certificate."""


def certificate_is_issued(enrolment: Enrolment) -> bool:
    """Issued, and with a name to show: a certificate never shows an email address."""
    return enrolment.certificate_issued_at is not None and bool(
        enrolment.user.get_full_name().strip()
    )


@transaction.atomic
def certificate_issue(*, enrolment: Enrolment, first_name: str, last_name: str) -> Enrolment:
    """Put the graduate's name on their certificate and, the first time, record what it
    certifies; issuing again changes only the name."""
    if enrolment.completed_at is None:
        raise NotCompleted
    user_set_name(user=enrolment.user, first_name=first_name, last_name=last_name)
    if enrolment.certificate_issued_at is None:
        lesson_ids = list(enrolment.course.lesson_positions)
        lesson_count = LessonProgress.objects.filter(
            user_id=enrolment.user_id,
            lesson_id__in=lesson_ids,
            completed_at__isnull=False,
            completed_at__lte=enrolment.completed_at,
        ).count()
        # Conditional, so two presses at once record it once.
        Enrolment.objects.filter(pk=enrolment.pk, certificate_issued_at__isnull=True).update(
            certificate_issued_at=timezone.now(),
            certificate_course_title=enrolment.course.title[:255],
            certificate_lesson_count=lesson_count or len(lesson_ids),
        )
        enrolment.refresh_from_db(
            fields=["certificate_issued_at", "certificate_course_title", "certificate_lesson_count"]
        )
    return enrolment


def lessons_added_since_completion(progress) -> int:
    """For a graduate, how many of the course's lessons they have not done: lessons the coach
    added after they finished. 0 for everyone else."""
    enrolment = progress.enrolment
    if enrolment is None or enrolment.completed_at is None:
        return 0
    return max(0, progress.total - progress.completed_count)
