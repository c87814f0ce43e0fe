"""What learners get from the course's pages and buttons: access, sign-up, progress, notes."""

import html
import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from course import certificates, services
from course.models import Enrolment, LessonProgress, Reflection
from tests.factories import (
    ArticlePageFactory,
    UserFactory,
)

BODY_SENTENCE = "Start with what you want."  # the lesson body the factories write
TEASER_HEADING = "This lesson is part of the free course"
CONFIRM_EMAIL_URL = "/accounts/login/code/confirm/"  # allauth: enter the emailed code here
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def start_url(course) -> str:
    return reverse("course:start", args=[course.pk])


def progress_url(lesson) -> str:
    return reverse("course:lesson-progress", args=[lesson.pk])


def reflection_block_id(lesson) -> str:
    return next(block.id for block in lesson.body if block.block_type == "reflection")


def reflection_url(lesson, block_id=None) -> str:
    return reverse("course:reflection", args=[lesson.pk, block_id or reflection_block_id(lesson)])


def code_from(message) -> str:
    match = CODE.search(message.body)
    assert match, f"no code in the email: {message.body!r}"
    return match.group(0)


def is_on_site(url: str) -> bool:
    return urlsplit(url).netloc in ("", "testserver")


# Who may read which lesson


@pytest.mark.parametrize("who", ["anonymous", "signed_in_not_enrolled", "enrolled"])
def test_free_preview_is_open_to_all_and_other_lessons_only_to_enrolled_learners(
    client, course, lessons, who
):
    if who != "anonymous":
        user = UserFactory()
        client.force_login(user)
        if who == "enrolled":
            services.enrolment_create(user=user, course=course)

    for number, lesson in enumerate(lessons, 1):
        response = client.get(lesson.url)
        html = response.content.decode()
        assert response.status_code == 200, f"lesson {number}"
        assert lesson.title in html, f"lesson {number}"
        open_to_them = lesson.free_preview or who == "enrolled"
        if open_to_them:
            assert BODY_SENTENCE in html, f"{who} should read lesson {number}"
            assert TEASER_HEADING not in html, f"lesson {number}"
        else:
            assert BODY_SENTENCE not in html, f"{who} must not read lesson {number}"
            assert TEASER_HEADING in html, f"lesson {number}"
            assert lesson.summary in html, f"lesson {number}"
            call_to_action = "Unlock the free course" if who == "anonymous" else "Start the free"
            assert call_to_action in html, f"lesson {number}"


# Starting the course: sign-up round trip, one click, attribution


def test_sign_up_round_trip_enrols_the_reader_from_the_article_they_came_from(
    client, course, lessons, site_tree, mailoutbox, django_capture_on_commit_callbacks
):
    article = ArticlePageFactory(parent=site_tree["index"])
    start = start_url(course)

    response = client.get(start, {"source": article.pk, "utm_source": "news"})
    assert response.status_code == 200
    # The start page's form, as the reader's browser posts it.
    signup = html.unescape(re.search(r'action="([^"]+)"', response.content.decode())[1])
    assert signup.startswith(reverse("account_signup") + "?next=")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(signup, {"email": " New.Reader@Example.com "})
        assert response.status_code == 302
        assert len(mailoutbox) == 1
        code = code_from(mailoutbox[0])
        response = client.post(CONFIRM_EMAIL_URL, {"code": code}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == lessons[0].url
    assert BODY_SENTENCE in response.content.decode()
    response = client.get(start)
    assert response.status_code == 302
    assert response["Location"] == lessons[0].url
    enrolment = Enrolment.objects.get(course=course)
    assert enrolment.user.email == "new.reader@example.com"
    assert enrolment.source_page_id == article.pk
    assert enrolment.utm_source == "news"
    assert [m.to for m in mailoutbox] == [[enrolment.user.email]] * 2  # the code, the welcome


def test_signed_in_reader_is_enrolled_in_one_click_and_lands_on_lesson_1(client, course, lessons):
    user = UserFactory()
    client.force_login(user)

    response = client.post(start_url(course))

    assert response.status_code == 302
    assert response["Location"] == lessons[0].url
    assert Enrolment.objects.filter(user=user, course=course).count() == 1
    lesson_page = client.get(response["Location"]).content.decode()
    assert f"Welcome to “{course.title}”" in lesson_page


def test_starting_again_when_enrolled_goes_to_the_lesson_to_continue(
    learner_client, learner, course, lessons
):
    services.lesson_complete(user=learner, lesson=lessons[0])

    response = learner_client.get(start_url(course))

    assert response.status_code == 302
    assert response["Location"] == lessons[1].url
    assert Enrolment.objects.count() == 1


@pytest.mark.parametrize(
    "source",
    [
        "987654",
        "not-a-number",
        "-1",
        "1e3",
        "9" * 30,
        "²",
    ],
)
def test_start_ignores_a_source_that_is_not_a_live_page(client, course, lessons, source):
    response = client.get(start_url(course), {"source": source})
    assert response.status_code == 200

    user = UserFactory()
    client.force_login(user)
    response = client.post(start_url(course), {"source": source})

    assert response.status_code == 302
    assert response["Location"] == lessons[0].url
    assert Enrolment.objects.get(user=user).source_page is None


def test_start_ignores_a_draft_page_as_source(client, course, site_tree):
    draft = ArticlePageFactory(parent=site_tree["index"], live=False)
    user = UserFactory()
    client.force_login(user)

    client.post(start_url(course), {"source": draft.pk})

    assert Enrolment.objects.get(user=user).source_page is None


def test_start_takes_utm_tags_from_an_on_site_referer_but_not_from_another_host(client, course):
    on_site, off_site = UserFactory(), UserFactory()

    client.force_login(on_site)
    client.post(start_url(course), HTTP_REFERER="http://testserver/articles/?utm_source=news")
    client.force_login(off_site)
    response = client.post(
        start_url(course), HTTP_REFERER="https://evil.example/articles/?utm_source=spam"
    )

    assert response.status_code == 302
    assert Enrolment.objects.get(user=on_site).utm_source == "news"
    assert Enrolment.objects.get(user=off_site).utm_source == ""


def test_sign_up_with_next_off_site_stays_on_site(db, client, mailoutbox):
    evil = "https://evil.example/"

    client.post(
        reverse("account_signup") + f"?next={evil}", {"email": "x@example.com", "next": evil}
    )
    response = client.post(CONFIRM_EMAIL_URL, {"code": code_from(mailoutbox[0])})

    assert response.status_code == 302
    assert is_on_site(response["Location"]), response["Location"]
    assert "evil.example" not in response["Location"]


def test_sign_in_by_code_with_next_off_site_stays_on_site(db, client, mailoutbox):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    evil = "https://evil.example/"

    response = client.post(
        reverse("account_login") + f"?next={evil}", {"login": user.email, "next": evil}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("account_confirm_login_code"), {"code": code_from(mailoutbox[-1])}
    )

    assert response.status_code == 302
    assert is_on_site(response["Location"]), response["Location"]
    assert client.get(reverse("accounts:dashboard")).status_code == 200, "signed in"


# Mark complete


def test_reading_lessons_is_written_down_once_a_quarter_of_an_hour(
    learner_client, learner, lessons
):
    def visits():
        return dict(
            LessonProgress.objects.filter(user=learner).values_list("lesson_id", "last_visited_at")
        )

    learner_client.get(lessons[0].url)
    first = visits()
    learner_client.get(lessons[1].url)
    assert visits() == first, "a visit minutes after the last one writes nothing"

    twenty_minutes_ago = first[lessons[0].pk] - timedelta(minutes=20)
    LessonProgress.objects.filter(user=learner).update(last_visited_at=twenty_minutes_ago)
    learner_client.get(lessons[1].url)

    assert list(first) == [lessons[0].pk]
    assert visits()[lessons[0].pk] == twenty_minutes_ago
    assert visits()[lessons[1].pk] > twenty_minutes_ago + timedelta(minutes=19)


def test_mark_complete_by_form_redirects_back_to_the_lesson_marked_done(learner_client, lessons):
    response = learner_client.post(progress_url(lessons[0]), {"action": "complete"})

    assert response.status_code == 302
    assert response["Location"] == lessons[0].url + "#lesson-progress"
    html = learner_client.get(lessons[0].url).content.decode()
    assert "You completed this lesson." in html
    assert "1 of 3 lessons, 33%" in html


def test_mark_complete_by_script_answers_json_with_the_new_progress(learner_client, lessons):
    response = learner_client.post(
        progress_url(lessons[0]), {"action": "complete"}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200
    data = response.json()
    assert data["completed"] is True
    assert data["summary"] == "1 of 3 lessons, 33%"
    # The panel as the lesson page shows it once the lesson is done.
    assert "You completed this lesson." in data["panel"]
    assert f'href="{lessons[1].url}">Continue to lesson 2</a>' in data["panel"]
    assert 'name="csrfmiddlewaretoken"' in data["panel"]


def test_mark_not_complete_takes_the_completion_back(learner_client, learner, lessons):
    learner_client.post(progress_url(lessons[0]), {"action": "complete"})

    response = learner_client.post(
        progress_url(lessons[0]), {"action": "uncomplete"}, HTTP_ACCEPT="application/json"
    )

    assert response.json()["completed"] is False
    assert LessonProgress.objects.get(user=learner, lesson=lessons[0]).completed_at is None


def test_double_click_on_mark_complete_keeps_one_progress_row(learner_client, learner, lessons):
    for _ in range(2):
        response = learner_client.post(progress_url(lessons[0]), {"action": "complete"})
        assert response.status_code == 302

    assert LessonProgress.objects.filter(user=learner, lesson=lessons[0]).count() == 1


def test_progress_endpoint_refuses_get(learner_client, lessons):
    assert learner_client.get(progress_url(lessons[0])).status_code == 405


def test_mark_complete_when_not_enrolled_explains_instead_of_failing(client, lessons):
    client.force_login(UserFactory())

    response = client.post(progress_url(lessons[1]), {"action": "complete"}, follow=True)
    as_json = client.post(
        progress_url(lessons[1]), {"action": "complete"}, HTTP_ACCEPT="application/json"
    )

    assert response.redirect_chain[0][1] == 302
    assert "Start the course first to save your progress." in response.content.decode()
    assert as_json.status_code == 403
    assert as_json.json() == {"error": "Start the course first to save your progress."}
    assert not LessonProgress.objects.exists()


def test_mark_complete_when_signed_out_asks_to_sign_in(client, lessons):
    response = client.post(progress_url(lessons[0]), {"action": "complete"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not LessonProgress.objects.exists()


# Reflections


def test_saved_reflection_shows_on_the_lesson_and_in_my_notes(learner_client, learner, lessons):
    lesson = lessons[1]

    response = learner_client.post(reflection_url(lesson), {"answer": "A job near the sea."})

    assert response.status_code == 302
    assert Reflection.objects.get(user=learner).answer == "A job near the sea."
    assert "A job near the sea." in learner_client.get(lesson.url).content.decode()
    notes = learner_client.get(reverse("course:notes")).content.decode()
    assert "A job near the sea." in notes
    assert "What do you want?" in notes


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("x" * 5001, "Keep your answer under 5,000 characters."),
        ("", "Write something before saving."),
        ("   \n ", "Write something before saving."),
    ],
    ids=["oversized", "empty", "blank"],
)
def test_bad_reflection_answer_is_explained_and_the_saved_one_kept(
    learner_client, learner, lessons, answer, message
):
    lesson = lessons[1]
    learner_client.post(reflection_url(lesson), {"answer": "My first answer"})

    response = learner_client.post(reflection_url(lesson), {"answer": answer}, follow=True)
    as_json = learner_client.post(
        reflection_url(lesson), {"answer": answer}, HTTP_ACCEPT="application/json"
    )

    assert f"Your answer was not saved: {message}" in response.content.decode()
    assert as_json.status_code == 400
    assert as_json.json() == {"error": message}
    assert Reflection.objects.get(user=learner).answer == "My first answer"


def test_oversized_first_reflection_answer_saves_nothing(learner_client, lessons):
    learner_client.post(reflection_url(lessons[1]), {"answer": "x" * 5001})

    assert not Reflection.objects.exists()


def test_reflection_for_an_unknown_or_non_reflection_block_is_not_found(learner_client, lessons):
    lesson = lessons[1]
    text_block_id = next(block.id for block in lesson.body if block.block_type == "rich_text")

    for block_id in ("no-such-block", text_block_id):
        response = learner_client.post(reflection_url(lesson, block_id), {"answer": "Hi"})
        assert response.status_code == 404, block_id

    assert not Reflection.objects.exists()


# Completion and certificate


def test_completion_page_waits_for_the_last_lesson_then_links_the_certificate(
    learner_client, learner, lessons, course
):
    completed_url = reverse("course:completed", args=[course.pk])
    services.lesson_complete(user=learner, lesson=lessons[0])
    services.lesson_complete(user=learner, lesson=lessons[1])

    response = learner_client.get(completed_url)
    assert response.status_code == 302
    assert response["Location"] == lessons[2].url

    response = learner_client.post(progress_url(lessons[2]), {"action": "complete"})
    assert response["Location"] == completed_url

    response = learner_client.get(completed_url)
    assert response.status_code == 200
    certificate_id = Enrolment.objects.get(user=learner).certificate_id
    certificate_url = reverse("course:certificate", args=[certificate_id])
    assert "Your name for the certificate" in response.content.decode()
    assert certificate_url not in response.content.decode(), "a name first"

    response = learner_client.post(completed_url, {"first_name": "Sam", "last_name": "Lee"})
    assert response.status_code == 302
    assert certificate_url in learner_client.get(completed_url).content.decode()


def test_certificate_is_public_and_names_the_learner_and_the_course(client, course, lessons):
    user = UserFactory(first_name="Sam", last_name="Rivera")
    enrolment, _ = services.enrolment_create(user=user, course=course)
    for lesson in lessons:
        services.lesson_complete(user=user, lesson=lesson)
    enrolment.refresh_from_db()
    certificates.certificate_issue(enrolment=enrolment, first_name="Sam", last_name="Rivera")

    response = client.get(reverse("course:certificate", args=[enrolment.certificate_id]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sam Rivera" in html
    assert course.title in html


def test_certificate_of_an_unfinished_course_or_a_random_id_is_not_found(client, learner):
    unfinished = Enrolment.objects.get(user=learner)

    for certificate_id in (unfinished.certificate_id, uuid.uuid4()):
        response = client.get(reverse("course:certificate", args=[certificate_id]))
        assert response.status_code == 404
