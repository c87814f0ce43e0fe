"""A click on "Mark complete" that was answered is a click stored (PostgreSQL): committed with
the database's usual durability, seen at once by every other connection, first time kept."""

import threading

import pytest
from django.db import connection, connections

from course import services
from course.models import LessonProgress

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def completed_at_seen_elsewhere(learner, lesson):
    """The completion time as another connection (another worker) reads it."""
    seen = []

    def read():
        try:
            row = LessonProgress.objects.filter(user=learner, lesson=lesson).first()
            seen.append(row.completed_at if row else None)
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return seen[0]


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_a_completion_answered_is_committed_and_durable(learner, lessons):
    progress = services.lesson_complete(user=learner, lesson=lessons[0])

    assert progress.is_done(lessons[0])
    assert completed_at_seen_elsewhere(learner, lessons[0]) == progress.completions[lessons[0].pk]
    assert synchronous_commit() == "on"


def test_completing_again_keeps_the_first_time_for_every_reader(learner, lessons):
    first = services.lesson_complete(user=learner, lesson=lessons[0]).completions[lessons[0].pk]
    services.lesson_visit(user=learner, lesson=lessons[0])

    again = services.lesson_complete(user=learner, lesson=lessons[0])

    assert again.completions[lessons[0].pk] == first
    assert completed_at_seen_elsewhere(learner, lessons[0]) == first
