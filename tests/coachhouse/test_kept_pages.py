"""What each worker keeps for signed-in readers (`kept` in coachhouse/caching.py): the routed
page, the course outline, the sidebar's items and a lesson's body. Fresh after every publish,
never a draft, never another learner's."""

import re

from django.test import Client

from course import services
from lessons.models import LessonPage
from tests.factories import UserFactory


def learner_page(user, url) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def publish(page, **changes):
    page = page.specific.__class__.objects.get(pk=page.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


def outline_item(page: str, lesson) -> str:
    return re.search(rf'<li class="([^"]*)" data-lesson-id="{lesson.pk}"', page).group(1)


def enrolled(course, **names):
    user = UserFactory(**names)
    services.enrolment_create(user=user, course=course)
    return user


def test_a_learner_sees_a_published_lesson_body_and_outline_at_once(learner, lessons):
    assert "Start with what you want." in learner_page(learner, lessons[0].url)

    publish(lessons[0], body=[{"type": "rich_text", "value": "<p>Begin with your values.</p>"}])
    publish(lessons[1], title="Tell your story")

    page = learner_page(learner, lessons[0].url)
    assert "Begin with your values." in page
    assert "Start with what you want." not in page
    assert "Tell your story" in page  # in the sidebar's outline


def test_a_preview_of_a_draft_never_reaches_learners(learner, lessons):
    learner_page(learner, lessons[0].url)
    draft = LessonPage.objects.get(pk=lessons[0].pk)
    draft.body = [{"type": "rich_text", "value": "<p>Words still in draft.</p>"}]

    preview = draft.make_preview_request().content.decode()

    assert "Words still in draft." in preview
    assert "Start with what you want." not in preview
    page = learner_page(learner, lessons[0].url)
    assert "Words still in draft." not in page
    assert "Start with what you want." in page


def test_each_learner_sees_only_their_own_reflection_answer(course, lessons):
    ada, bo = enrolled(course, first_name="Ada"), enrolled(course, first_name="Bo")
    block = next(block for block in lessons[0].body if block.block_type == "reflection")
    for user, answer in ((ada, "Ada wants a quieter team."), (bo, "Bo wants to teach.")):
        services.reflection_save(
            user=user, lesson=lessons[0], block_id=block.id, prompt="?", answer=answer
        )

    adas, bos = learner_page(ada, lessons[0].url), learner_page(bo, lessons[0].url)

    assert "Ada wants a quieter team." in adas
    assert "Bo wants to teach." not in adas
    assert "Bo wants to teach." in bos
    assert "Ada wants a quieter team." not in bos


def test_each_learner_sees_their_own_ticks_and_place_in_the_outline(course, lessons):
    ada, bo = enrolled(course), enrolled(course)
    services.lesson_complete(user=ada, lesson=lessons[0])

    adas, bos = learner_page(ada, lessons[1].url), learner_page(bo, lessons[1].url)

    assert "is-done" in outline_item(adas, lessons[0])
    assert "is-done" not in outline_item(bos, lessons[0])
    assert "(completed)" in adas
    assert "(completed)" not in bos
    for page in (adas, bos):
        assert "is-current" in outline_item(page, lessons[1])
        assert "is-current" not in outline_item(page, lessons[0])
