"""Two requests at once: the database's constraints, not Python checks, keep one row."""

import pytest
from wagtail.models import Page

from course import services
from course.models import Enrolment, LessonProgress
from tests.concurrency import run_together
from tests.factories import UserFactory, make_site_tree

THREADS = 20

pytestmark = [
    pytest.mark.postgres,
    # Restores the migrations' rows (root page, default locale) that flushing removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def course_and_lessons(transactional_db):
    Page.objects.filter(depth=2).exact_type(Page).delete()
    _, course, lessons, _ = make_site_tree(lessons=3)
    return course, lessons


def test_simultaneous_mark_complete_clicks_leave_one_progress_row(course_and_lessons):
    course, lessons = course_and_lessons
    user = UserFactory()
    services.enrolment_create(user=user, course=course)

    run_together([lambda: services.lesson_complete(user=user, lesson=lessons[0])] * THREADS)

    [progress] = LessonProgress.objects.filter(user=user, lesson=lessons[0])
    assert progress.completed_at is not None


def test_simultaneous_enrolments_leave_one_enrolment_and_send_one_welcome(
    course_and_lessons, mailoutbox
):
    course, _ = course_and_lessons
    user = UserFactory()

    run_together([lambda: services.enrolment_create(user=user, course=course)] * THREADS)

    assert Enrolment.objects.filter(user=user, course=course).count() == 1
    assert [message.to for message in mailoutbox] == [[user.email]]
