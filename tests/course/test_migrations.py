"""Data migrations, run on data written before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from course.models import LessonProgress
from tests.factories import UserFactory


def migrate(target: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return MigrationExecutor(connection).loader.project_state(target).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_answers_given_before_the_flag_existed_are_noted_on_their_lessons(site_tree):
    lessons, learner_id = site_tree["lessons"], UserFactory().pk
    before = [("course", "0003_nudges")]
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("course")
    old_apps = migrate(before)
    try:
        OldProgress = old_apps.get_model("course", "LessonProgress")  # noqa: N806
        Reflection = old_apps.get_model("course", "Reflection")  # noqa: N806
        OldProgress.objects.create(user_id=learner_id, lesson_id=lessons[0].pk)
        OldProgress.objects.create(user_id=learner_id, lesson_id=lessons[1].pk)
        for lesson, block_id in [(lessons[1], "b1"), (lessons[1], "b2"), (lessons[2], "b1")]:
            Reflection.objects.create(
                user_id=learner_id, lesson_id=lesson.pk, block_id=block_id, prompt="?", answer="!"
            )
    finally:
        migrate(latest)

    flags = dict(
        LessonProgress.objects.filter(user_id=learner_id).values_list(
            "lesson_id", "has_reflections"
        )
    )
    assert flags == {lessons[0].pk: False, lessons[1].pk: True, lessons[2].pk: True}
