"""The course's emails to learners: welcome and completion."""

from django.urls import reverse

from accounts.mail import absolute_url, email_send


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
