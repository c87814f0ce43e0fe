"""Data migrations, run on data written before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from course.models import Enrolment, LessonProgress
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_certificates_issued_before_the_record_existed_keep_what_they_said(site_tree):
    course, lessons = site_tree["course"], site_tree["lessons"]
    graduate_id, learner_id = UserFactory().pk, UserFactory().pk
    before = [("course", "0006_enrolment_certificate_record")]
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("course")
    old_apps = migrate(before)
    try:
        OldEnrolment = old_apps.get_model("course", "Enrolment")  # noqa: N806
        OldProgress = old_apps.get_model("course", "LessonProgress")  # noqa: N806
        finished = "2026-05-01T10:00Z"
        OldEnrolment.objects.create(user_id=graduate_id, course_id=course.pk, completed_at=finished)
        OldEnrolment.objects.create(user_id=learner_id, course_id=course.pk)
        for lesson in lessons:
            OldProgress.objects.create(
                user_id=graduate_id, lesson_id=lesson.pk, completed_at="2026-04-30T10:00Z"
            )
    finally:
        migrate(latest)

    graduate = Enrolment.objects.get(user_id=graduate_id)
    assert graduate.certificate_course_title == course.title
    assert graduate.certificate_lesson_count == len(lessons)
    assert graduate.certificate_issued_at == graduate.completed_at
    assert Enrolment.objects.get(user_id=learner_id).certificate_issued_at is None
