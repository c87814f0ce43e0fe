"""Records, for every course already completed, what its certificate said then: the course's
title, the lessons the learner had completed by that moment, and the completion time."""

from django.db import migrations


def record_certificates(apps, schema_editor):
    Enrolment = apps.get_model("course", "Enrolment")  # noqa: N806
    LessonProgress = apps.get_model("course", "LessonProgress")  # noqa: N806
    completed = Enrolment.objects.filter(
        completed_at__isnull=False, certificate_issued_at__isnull=True
    ).select_related("course")
    for enrolment in completed.iterator():
        course = enrolment.course
        count = LessonProgress.objects.filter(
            user_id=enrolment.user_id,
            completed_at__isnull=False,
            completed_at__lte=enrolment.completed_at,
            lesson__path__startswith=course.path,
            lesson__depth=course.depth + 1,
        ).count()
        Enrolment.objects.filter(pk=enrolment.pk).update(
            certificate_issued_at=enrolment.completed_at,
            certificate_course_title=course.title[:255],
            certificate_lesson_count=count,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("course", "0006_enrolment_certificate_record"),
        ("lessons", "0002_lessonpage_available_after_days"),
    ]

    operations = [migrations.RunPython(record_certificates, migrations.RunPython.noop)]
