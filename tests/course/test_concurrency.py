"""Two requests at once: the database's constraints, not Python checks, keep one row."""

import threading

import pytest
from django.db import connection
from wagtail.models import Page

from course import services
from course.models import Enrolment, LessonProgress
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


def run_together(action) -> list[BaseException]:
    """Run `action` in THREADS threads released at the same moment; return their errors."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait(timeout=30)
            action()
        except BaseException as error:  # any failure, reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


def test_simultaneous_mark_complete_clicks_leave_one_progress_row(course_and_lessons):
    course, lessons = course_and_lessons
    user = UserFactory()
    services.enrolment_create(user=user, course=course)

    errors = run_together(lambda: services.lesson_complete(user=user, lesson=lessons[0]))

    assert errors == []
    [progress] = LessonProgress.objects.filter(user=user, lesson=lessons[0])
    assert progress.completed_at is not None


def test_simultaneous_enrolments_leave_one_enrolment_and_send_one_welcome(
    course_and_lessons, mailoutbox
):
    course, _ = course_and_lessons
    user = UserFactory()

    errors = run_together(lambda: services.enrolment_create(user=user, course=course))

    assert errors == []
    assert Enrolment.objects.filter(user=user, course=course).count() == 1
    assert [message.to for message in mailoutbox] == [[user.email]]
