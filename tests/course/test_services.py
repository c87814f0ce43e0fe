"""Enrolments, progress and notes, as the course's services write them and selectors read them."""

import pytest

from course import selectors, services
from course.models import Enrolment, LessonProgress, Reflection
from course.services import EnrolmentSource, NotEnrolled
from tests.factories import ArticlePageFactory, UserFactory


def complete(user, *lessons):
    for lesson in lessons:
        services.lesson_complete(user=user, lesson=lesson)


def test_enrolling_twice_keeps_one_enrolment_and_sends_one_welcome_email_after_commit(
    course, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        _, first_created = services.enrolment_create(user=user, course=course)
        _, second_created = services.enrolment_create(user=user, course=course)
        assert mailoutbox == [], "the welcome email must wait for the commit"

    assert (first_created, second_created) == (True, False)
    assert Enrolment.objects.filter(user=user, course=course).count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert mailoutbox[0].subject.startswith(f"Welcome to “{course.title}”")


def test_enrolment_remembers_the_source_page_and_utm_tags_cut_to_100_characters(site_tree):
    article = ArticlePageFactory(parent=site_tree["index"])
    user = UserFactory()
    source = EnrolmentSource(
        page=article,
        utm={
            "utm_source": "n" * 150,
            "utm_medium": "email",
            "utm_campaign": "spring",
            "not_a_utm_tag": "ignored",
        },
    )

    enrolment, _ = services.enrolment_create(user=user, course=site_tree["course"], source=source)

    enrolment.refresh_from_db()
    assert enrolment.source_page_id == article.pk
    assert enrolment.utm_source == "n" * 100
    assert enrolment.utm_medium == "email"
    assert enrolment.utm_campaign == "spring"
    assert enrolment.utm_term == ""


def test_completing_a_lesson_twice_keeps_the_first_completion_time(learner, lessons):
    first = services.lesson_complete(user=learner, lesson=lessons[0])
    second = services.lesson_complete(user=learner, lesson=lessons[0])

    assert first.completed_at(lessons[0]) is not None
    assert second.completed_at(lessons[0]) == first.completed_at(lessons[0])
    assert LessonProgress.objects.filter(user=learner, lesson=lessons[0]).count() == 1


def test_uncompleting_a_lesson_takes_back_its_completion(learner, course, lessons):
    complete(learner, lessons[0])

    services.lesson_uncomplete(user=learner, lesson=lessons[0])

    assert LessonProgress.objects.get(user=learner, lesson=lessons[0]).completed_at is None
    assert selectors.course_progress(user=learner, course=course).completed_count == 0


def test_completing_the_last_lesson_completes_the_course_and_sends_one_completion_email(
    learner, course, lessons, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complete(learner, lessons[0], lessons[1])
    assert Enrolment.objects.get(user=learner).completed_at is None
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        complete(learner, lessons[2])
    completed_at = Enrolment.objects.get(user=learner).completed_at
    assert completed_at is not None

    # Taking the last lesson back and completing it again neither re-dates nor re-sends.
    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_uncomplete(user=learner, lesson=lessons[2])
        complete(learner, lessons[2], lessons[2])

    assert Enrolment.objects.get(user=learner).completed_at == completed_at
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [learner.email]
    assert mailoutbox[0].subject.startswith(f"You finished “{course.title}”")


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda user, lesson: complete(user, lesson), id="complete"),
        pytest.param(
            lambda user, lesson: services.lesson_uncomplete(user=user, lesson=lesson),
            id="uncomplete",
        ),
        pytest.param(
            lambda user, lesson: services.reflection_save(
                user=user, lesson=lesson, block_id="b1", prompt="Why?", answer="Because."
            ),
            id="reflection",
        ),
    ],
)
def test_a_learner_who_is_not_enrolled_cannot_save_progress_or_notes(lessons, write):
    stranger = UserFactory()

    with pytest.raises(NotEnrolled):
        write(stranger, lessons[1])

    assert not LessonProgress.objects.filter(user=stranger).exists()
    assert not Reflection.objects.filter(user=stranger).exists()
    assert not Enrolment.objects.filter(user=stranger).exists()


def test_saving_a_reflection_again_updates_the_one_answer(learner, lessons):
    services.reflection_save(
        user=learner, lesson=lessons[0], block_id="b1", prompt="What?", answer="First draft"
    )
    services.reflection_save(
        user=learner, lesson=lessons[0], block_id="b1", prompt="What now?", answer="Second draft"
    )

    reflection = Reflection.objects.get(user=learner, lesson=lessons[0], block_id="b1")
    assert (reflection.prompt, reflection.answer) == ("What now?", "Second draft")
    assert Reflection.objects.filter(user=learner).count() == 1


def test_a_saved_reflection_is_noted_on_its_lesson_only_and_outlives_visits_and_completion(
    learner, course, lessons
):
    services.lesson_visit(user=learner, lesson=lessons[1])
    services.reflection_save(
        user=learner, lesson=lessons[1], block_id="b1", prompt="What?", answer="A garden."
    )
    services.reflection_save(
        user=learner, lesson=lessons[2], block_id="b1", prompt="What?", answer="A shed."
    )
    services.lesson_complete(user=learner, lesson=lessons[1])
    services.lesson_visit(user=learner, lesson=lessons[2])

    progress = selectors.course_progress(user=learner, course=course)

    assert [progress.has_reflections(lesson) for lesson in lessons] == [False, True, True]
    assert progress.is_done(lessons[1])


def test_one_lesson_of_three_done_is_33_percent_and_resumes_at_lesson_2(learner, course, lessons):
    complete(learner, lessons[0])

    progress = selectors.course_progress(user=learner, course=course)

    assert (progress.completed_count, progress.total, progress.percent) == (1, 3, 33)
    assert progress.resume_lesson == lessons[1]
    assert progress.resume_number == 2
    assert not progress.is_complete


def test_resume_lesson_is_the_first_one_not_completed(learner, course, lessons):
    complete(learner, lessons[0], lessons[2])

    progress = selectors.course_progress(user=learner, course=course)

    assert progress.resume_lesson == lessons[1]
    assert progress.resume_number == 2


def test_resume_lesson_is_the_last_lesson_when_every_lesson_is_done(learner, course, lessons):
    complete(learner, *lessons)

    progress = selectors.course_progress(user=learner, course=course)

    assert progress.resume_lesson == lessons[-1]
    assert progress.resume_number == 3
    assert progress.percent == 100
    assert progress.is_complete


def test_progress_of_someone_not_enrolled_counts_nothing(course, lessons):
    stranger = UserFactory()

    progress = selectors.course_progress(user=stranger, course=course)

    assert progress.enrolment is None
    assert (progress.completed_count, progress.percent) == (0, 0)
    assert progress.resume_lesson == lessons[0]


def test_learner_courses_lists_only_the_courses_the_learner_is_enrolled_in(learner, course):
    assert [progress.course for progress in selectors.learner_courses(user=learner)] == [course]
    assert selectors.learner_courses(user=UserFactory()) == []
