"""The course's emails to learners: welcome, receipt, completion and reminders."""

from django.urls import reverse

from accounts.mail import absolute_url, email_send
from accounts.tokens import unsubscribe_token


def send_welcome(enrolment) -> None:
    """Welcome a new learner with the link to the first lesson."""
    course = enrolment.course
    first = course.lessons().first()
    email_send(
        to=enrolment.user.email,
        template="course_welcome",
        context={
            "user": enrolment.user,
            "course": course,
            "first_lesson": first,
            "lesson_count": course.lessons().count(),
            "first_lesson_url": absolute_url((first or course).get_url()),
        },
    )


def send_course_receipt(order) -> None:
    """The receipt for a paid course, linking to its first lesson."""
    first = order.course.lessons().first()
    email_send(
        to=order.user.email,
        template="course_receipt",
        context={"order": order, "course_url": absolute_url((first or order.course).get_url())},
    )


def send_completion(enrolment) -> None:
    """Congratulate a learner who finished the course, with their certificate."""
    course = enrolment.course
    email_send(
        to=enrolment.user.email,
        template="course_completed",
        context={
            "user": enrolment.user,
            "course": course,
            "certificate_url": absolute_url(
                reverse("course:certificate", args=[enrolment.certificate_id])
            ),
        },
    )


def send_nudge(*, progress, step: int) -> None:
    """Remind a learner whose course has gone quiet, linking to the lesson to continue.

    A marketing-type email: it carries a one-click unsubscribe link and the RFC 8058
    List-Unsubscribe headers, so mail providers can offer their own unsubscribe button.
    """
    enrolment, lesson = progress.enrolment, progress.resume_lesson
    unsubscribe_url = absolute_url(
        reverse("accounts:unsubscribe", args=[unsubscribe_token(enrolment.user)])
    )
    email_send(
        to=enrolment.user.email,
        template="nudge",
        context={
            "user": enrolment.user,
            "course": progress.course,
            "lesson": lesson,
            "lesson_number": progress.resume_number,
            "lesson_url": absolute_url(lesson.get_url()),
            "completed_count": progress.completed_count,
            "lesson_total": progress.total,
            "step": step,
            "dashboard_url": absolute_url(reverse("accounts:dashboard")),
            "unsubscribe_url": unsubscribe_url,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
