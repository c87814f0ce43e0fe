"""Signed-in readers' pages, parts of which are cached for everyone (the lesson body, the
header's links, the footer): fresh after every publish, never a draft, never another
learner's answers, ticks, place or token; the userbar only for those who may use the admin."""

import re

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from coachhouse import content_version
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
    assert "Tell your story" in page  # in the sidebar's outline and the pager
    assert "<h1>Tell your story</h1>" in learner_page(learner, lessons[1].url)


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

    cy = enrolled(course, first_name="Cy")  # no answer yet

    adas, bos = learner_page(ada, lessons[0].url), learner_page(bo, lessons[0].url)
    cys = learner_page(cy, lessons[0].url)

    assert "Ada wants a quieter team." in adas
    assert "Bo wants to teach." not in adas
    assert "Bo wants to teach." in bos
    assert "Ada wants a quieter team." not in bos
    assert re.search(r'<textarea id="answer-[^"]+" name="answer"[^>]*></textarea>', cys)


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


def test_each_reader_signs_out_with_their_own_token(course, lessons):
    def sign_out_token(client) -> str:
        page = client.get(lessons[1].url).content.decode()
        form = re.search(r'<form method="post" action="/accounts/logout/".*?</form>', page).group()
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)

    ada, bo = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    ada.force_login(enrolled(course))
    bo.force_login(enrolled(course))
    adas, bos = sign_out_token(ada), sign_out_token(bo)

    refused = ada.post(reverse("account_logout"), {"csrfmiddlewaretoken": bos})
    assert refused.status_code == 403
    assert ada.get(reverse("accounts:dashboard")).status_code == 200, "still signed in"
    ada.post(reverse("account_logout"), {"csrfmiddlewaretoken": adas})
    assert ada.get(reverse("accounts:dashboard")).status_code == 302, "signed out"


def test_each_learner_sees_their_own_place_in_the_progress_panel(course, lessons):
    ada, bo, cy = enrolled(course), enrolled(course), enrolled(course)
    services.lesson_complete(user=ada, lesson=lessons[0])
    for lesson in lessons[:2]:
        services.lesson_complete(user=cy, lesson=lesson)

    adas, bos = learner_page(ada, lessons[0].url), learner_page(bo, lessons[0].url)
    cys = learner_page(cy, lessons[0].url)

    assert "You completed this lesson." in adas
    assert "Continue to lesson 2" in adas
    assert "Continue to lesson 3" in cys
    assert "Continue to lesson 2" not in cys
    assert "You completed this lesson." not in bos
    assert 'value="complete">Mark complete</button>' in bos
    total = len(lessons)
    assert f"1 of {total} lessons" in adas  # the progress bar
    assert f"0 of {total} lessons" in bos


def test_each_learner_posts_the_lesson_forms_with_their_own_token(course, lessons):
    def tokens(client) -> list[str]:
        page = client.get(lessons[1].url).content.decode()
        return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)

    ada, bo = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    ada.force_login(enrolled(course))
    bo.force_login(enrolled(course))
    adas, bos = tokens(ada), tokens(bo)
    # The sign-out form, the reflection's and Mark complete's: each with the reader's token.
    assert len(adas) == len(bos) == 3
    url = reverse("course:lesson-progress", args=[lessons[1].pk])

    refused = ada.post(url, {"action": "complete", "csrfmiddlewaretoken": bos[-1]})
    accepted = ada.post(url, {"action": "complete", "csrfmiddlewaretoken": adas[-1]})

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert "You completed this lesson." in ada.get(lessons[1].url).content.decode()


def test_a_publish_starts_a_new_version_again_once_committed(
    lessons, django_capture_on_commit_callbacks
):
    # Until the publish commits, other processes still read the old rows, and what they cache
    # in the meantime belongs to the version started inside the transaction.
    with django_capture_on_commit_callbacks(execute=True):
        publish(lessons[0], title="Know your values")
        during = content_version.current_version()

    assert content_version.current_version() != during


def test_a_draft_saved_changes_nothing_a_learner_sees_until_it_is_published(learner, lessons):
    assert "Start with what you want." in learner_page(learner, lessons[0].url)
    draft = LessonPage.objects.get(pk=lessons[0].pk)
    draft.body = [{"type": "rich_text", "value": "<p>Begin with your values.</p>"}]
    draft.save_revision()

    page = learner_page(learner, lessons[0].url)
    assert "Start with what you want." in page
    assert "Begin with your values." not in page

    draft.get_latest_revision().publish()
    page = learner_page(learner, lessons[0].url)
    assert "Begin with your values." in page
    assert "Start with what you want." not in page


def test_the_userbar_shows_for_exactly_those_who_may_use_the_admin(learner, lessons):
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    editors = Group.objects.create(name="Course editors")
    url = lessons[0].url
    assert "<wagtail-userbar" not in learner_page(learner, url)

    editors.permissions.add(access_admin)
    learner.groups.add(editors)
    assert "<wagtail-userbar" in learner_page(learner, url)

    editors.permissions.remove(access_admin)
    assert "<wagtail-userbar" not in learner_page(learner, url)

    learner.user_permissions.add(access_admin)
    assert "<wagtail-userbar" in learner_page(learner, url)

    learner.user_permissions.clear()
    assert "<wagtail-userbar" not in learner_page(learner, url)

    learner.is_superuser = True
    learner.save()
    assert "<wagtail-userbar" in learner_page(learner, url)
