"""Drip: lessons that open a number of days after enrolment, checked against a fixed clock."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse

from course import selectors, services
from course.models import Enrolment, LessonProgress
from lessons.models import LessonPage
from tests.factories import UserFactory, sign_in_to_admin

BODY_SENTENCE = "Start with what you want."  # the lesson body the factories write
UTC = datetime.UTC
# Monday 12 May 2025, 09:00 in London (08:00 UTC).
ENROLLED_AT = datetime.datetime(2025, 5, 12, 8, 0, tzinfo=UTC)
# Lesson 2 opens 3 days later: at midnight starting Thursday 15 May, London time (BST).
LESSON_2_OPENS = datetime.datetime(2025, 5, 14, 23, 0, tzinfo=UTC)


def frozen(at: datetime.datetime):
    """Stop the clock for everything that asks django.utils.timezone.now()."""
    return mock.patch("django.utils.timezone.now", return_value=at)


@pytest.fixture
def dripped(lessons, learner):
    """Lesson 2 opens on day 3 after enrolment, lesson 3 on day 10; lesson 1 is a free preview."""
    LessonPage.objects.filter(pk=lessons[1].pk).update(available_after_days=3)
    LessonPage.objects.filter(pk=lessons[2].pk).update(available_after_days=10)
    Enrolment.objects.filter(user=learner).update(enrolled_at=ENROLLED_AT)
    return [LessonPage.objects.get(pk=lesson.pk) for lesson in lessons]


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def progress_at(learner, course, now):
    return selectors.course_progress(user=learner, course=course, now=now)


# The schedule -------------------------------------------------------------------------------


def test_a_lesson_opens_at_the_start_of_the_local_day_n_days_after_enrolment(dripped, learner):
    enrolment = Enrolment.objects.get(user=learner)

    assert selectors.lesson_opens_at(lesson=dripped[1], enrolment=enrolment) == LESSON_2_OPENS


def test_lessons_without_days_zero_days_or_free_previews_never_wait(dripped, learner):
    enrolment = Enrolment.objects.get(user=learner)
    free_preview = dripped[0]
    free_preview.available_after_days = 5
    zero_days = dripped[1]
    zero_days.available_after_days = 0

    assert selectors.lesson_opens_at(lesson=free_preview, enrolment=enrolment) is None
    assert selectors.lesson_opens_at(lesson=zero_days, enrolment=enrolment) is None
    assert selectors.lesson_opens_at(lesson=dripped[1], enrolment=None) is None


def test_drip_locks_until_the_day_and_unlocks_on_it(dripped, learner, course):
    just_before = progress_at(learner, course, LESSON_2_OPENS - datetime.timedelta(seconds=1))
    on_the_day = progress_at(learner, course, LESSON_2_OPENS)

    assert just_before.is_locked(dripped[1])
    assert just_before.opens_at(dripped[1]) == LESSON_2_OPENS
    assert not on_the_day.is_locked(dripped[1])
    assert on_the_day.is_locked(dripped[2])


def test_next_opening_is_the_locked_lesson_that_opens_soonest(dripped, learner, course):
    progress = progress_at(learner, course, ENROLLED_AT)

    assert progress.next_opening.lesson == dripped[1]
    assert progress.next_opening.number == 2
    assert (
        progress_at(learner, course, ENROLLED_AT + datetime.timedelta(days=30)).next_opening is None
    )


# The lesson page ----------------------------------------------------------------------------


def test_a_locked_lesson_shows_title_summary_and_opening_date_but_not_the_content(
    dripped, learner, learner_client
):
    with frozen(ENROLLED_AT + datetime.timedelta(days=1)):
        response = learner_client.get(dripped[1].url)

    page = response.content.decode()
    assert response.status_code == 200
    assert dripped[1].title in page
    assert dripped[1].summary in page
    assert "Opens on Thursday 15 May" in page
    assert BODY_SENTENCE not in page
    assert 'name="action" value="complete"' not in page
    # Looking at a locked lesson is not progress: the resume point and idle clock stay put.
    assert not LessonProgress.objects.filter(user=learner, lesson=dripped[1]).exists()


def test_the_lesson_opens_on_its_day(dripped, learner, learner_client):
    with frozen(LESSON_2_OPENS):
        page = learner_client.get(dripped[1].url).content.decode()

    assert BODY_SENTENCE in page
    assert "Opens on" not in page
    assert LessonProgress.objects.filter(user=learner, lesson=dripped[1]).exists()


def test_the_sidebar_marks_locked_lessons_with_their_dates(dripped, learner_client):
    with frozen(ENROLLED_AT):
        page = learner_client.get(dripped[0].url).content.decode()

    assert "Opens 15 May" in page
    assert "Opens 22 May" in page
    assert page.count("is-locked") == 2


def test_visitors_who_are_not_enrolled_still_see_the_sign_up_teaser(dripped, client):
    page = client.get(dripped[1].url).content.decode()

    assert "This lesson is part of the free course" in page
    assert "Opens on" not in page


def test_editors_who_are_not_enrolled_read_locked_lessons(dripped, client):
    sign_in_to_admin(client, UserFactory(is_staff=True, is_superuser=True))

    assert BODY_SENTENCE in client.get(dripped[1].url).content.decode()


# Marking complete ---------------------------------------------------------------------------


def test_marking_a_locked_lesson_complete_is_refused_with_json_403(
    dripped, learner, learner_client
):
    with frozen(ENROLLED_AT + datetime.timedelta(days=2)):
        response = learner_client.post(
            reverse("course:lesson-progress", args=[dripped[1].pk]),
            {"action": "complete"},
            HTTP_ACCEPT="application/json",
        )

    assert response.status_code == 403
    assert response.json()["error"].startswith("This lesson opens on Thursday 15 May.")
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()


def test_marking_a_locked_lesson_complete_redirects_with_a_message(
    dripped, learner, learner_client
):
    with frozen(ENROLLED_AT + datetime.timedelta(days=2)):
        response = learner_client.post(
            reverse("course:lesson-progress", args=[dripped[1].pk]),
            {"action": "complete"},
            follow=True,
        )

    assert response.redirect_chain[-1][0] == dripped[1].url
    assert "This lesson opens on Thursday 15 May." in response.content.decode()
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()


def test_the_service_refuses_a_locked_lesson_and_accepts_it_once_open(dripped, learner):
    with (
        frozen(LESSON_2_OPENS - datetime.timedelta(minutes=1)),
        pytest.raises(services.LessonLocked) as locked,
    ):
        services.lesson_complete(user=learner, lesson=dripped[1])
    with frozen(LESSON_2_OPENS):
        progress = services.lesson_complete(user=learner, lesson=dripped[1])

    assert locked.value.opens_at == LESSON_2_OPENS
    assert progress.completed_at(dripped[1]) == LESSON_2_OPENS


# The dashboard and the admin ----------------------------------------------------------------


def test_the_dashboard_says_what_opens_next_and_when(dripped, learner, learner_client):
    LessonProgress.objects.create(user=learner, lesson=dripped[0], completed_at=ENROLLED_AT)

    with frozen(ENROLLED_AT + datetime.timedelta(days=1)):
        waiting = learner_client.get(reverse("accounts:dashboard")).content.decode()
    with frozen(LESSON_2_OPENS):
        open_now = learner_client.get(reverse("accounts:dashboard")).content.decode()

    assert "Lesson 2, “Lesson 2”, opens on Thursday 15 May" in waiting
    assert "Continue: lesson 2" not in waiting
    assert "Continue: lesson 2" in open_now
    assert "Opens next: lesson 3, “Lesson 3”, on Thursday 22 May" in open_now


def test_editors_see_the_drip_schedule_on_the_course_edit_page(dripped, course, client):
    sign_in_to_admin(client, UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).content.decode()

    assert "Drip schedule" in page
    assert "At enrolment" in page
    assert "Day 3 after enrolment" in page
    assert "Day 10 after enrolment" in page


def test_the_drip_schedule_panel_on_a_new_course_asks_for_lessons(site_tree, client):
    sign_in_to_admin(client, UserFactory(is_staff=True, is_superuser=True))
    url = reverse("wagtailadmin_pages:add", args=["course", "coursepage", site_tree["home"].pk])

    page = client.get(url).content.decode()

    assert "Add lessons under this course to see when each one opens." in page
