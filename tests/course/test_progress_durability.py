"""Only "Mark complete" is written without waiting for the disk (PostgreSQL)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from course import services
from course.models import LessonProgress

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def completion_sql(learner, lesson) -> str:
    with CaptureQueriesContext(connection) as captured:
        services.lesson_complete(user=learner, lesson=lesson)
    [sql] = [q["sql"] for q in captured if q["sql"].startswith("INSERT")]
    return sql


def test_a_completion_skips_the_flush_for_its_own_transaction_only(learner, lessons):
    sql = completion_sql(learner, lessons[0])

    assert "synchronous_commit" in sql
    assert LessonProgress.objects.get(user=learner, lesson=lessons[0]).completed_at is not None
    assert synchronous_commit() == "on"
    with transaction.atomic():
        assert synchronous_commit() == "on"


def test_a_completion_inside_a_callers_transaction_relaxes_nothing(learner, lessons):
    with transaction.atomic():
        sql = completion_sql(learner, lessons[0])
        assert synchronous_commit() == "on"

    assert "synchronous_commit" not in sql
