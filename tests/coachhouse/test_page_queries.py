"""Each page type's SQL queries, pinned, and the same for 5 lessons or 50, 1 learner or 40."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from course import services
from lessons.models import LessonPage
from tests.factories import (
    ArticlePageFactory,
    UserFactory,
    WaitListPageFactory,
    make_site_tree,
)

# A visitor's first view after a publish (nothing cached), then every later view (the page
# comes whole from the cache).
ANONYMOUS_FIRST = {
    "home": 6,
    "article index": 5,
    "article": 4,
    "course": 3,
    "free-preview lesson": 4,
    "locked lesson": 4,
    "wait list": 2,
}
ANONYMOUS_AGAIN = dict.fromkeys(ANONYMOUS_FIRST, 0) | {"wait list": 1}

# An enrolled learner, warm: the learner's own rows; on a lesson page: the enrolment joined to
# the progress, and their answers to its reflections if they gave any (their progress says
# where they did). The session and the user come from the cache; the page itself, and a
# lesson's course, are kept in the process once routed, and so are the few people who may use
# the admin (the userbar's permission check; coachhouse/caching.py).
ENROLLED = {
    "home": 2,
    "article index": 3,
    "article": 0,
    "course": 1,
    "free-preview lesson": 1,
    "lesson": 1,
    "answered lesson": 2,
    "dashboard": 3,
}


def build_site(*, lessons: int, learners: int):
    home, course, lesson_pages, index = make_site_tree(lessons=lessons)
    article = ArticlePageFactory(parent=index)
    wait_list = WaitListPageFactory(parent=home)
    for _ in range(learners - 1):
        other = UserFactory()
        services.enrolment_create(user=other, course=course)
        for lesson in lesson_pages[:3]:
            services.lesson_complete(user=other, lesson=lesson)
    learner = UserFactory()
    services.enrolment_create(user=learner, course=course)
    services.lesson_complete(user=learner, lesson=lesson_pages[0])
    answered = lesson_pages[2]
    services.reflection_save(
        user=learner,
        lesson=answered,
        block_id=next(block.id for block in answered.body if block.block_type == "reflection"),
        prompt="What would a good week look like?",
        answer="Mornings for writing.",
    )
    learner.answered_lesson_url = answered.url
    urls = {
        "home": home.url,
        "article index": index.url,
        "article": article.url,
        "course": course.url,
        "free-preview lesson": lesson_pages[0].url,
        "locked lesson": lesson_pages[1].url,
        "wait list": wait_list.url,
    }
    return learner, urls


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def anonymous_counts(urls) -> tuple[dict, dict]:
    first = {name: query_count(Client(), url) for name, url in urls.items()}
    again = {name: query_count(Client(), url) for name, url in urls.items()}
    return first, again


def enrolled_counts(learner, urls) -> dict:
    client = Client()
    client.force_login(learner)
    pages = {name: url for name, url in urls.items() if name not in ("wait list", "locked lesson")}
    pages |= {
        "lesson": urls["locked lesson"],
        "answered lesson": learner.answered_lesson_url,
        "dashboard": reverse("accounts:dashboard"),
    }
    for url in [*pages.values(), learner.answered_lesson_url]:
        # First visits note the lesson visit and fill the shared caches; the answered lesson,
        # the only page anonymous visitors did not route first, is then kept in the process.
        client.get(url)
    return {name: query_count(client, url) for name, url in pages.items()}


@pytest.mark.parametrize("lessons,learners", [(5, 1), (50, 40)])
def test_query_counts_are_pinned_and_do_not_grow(db, lessons, learners):
    learner, urls = build_site(lessons=lessons, learners=learners)

    first, again = anonymous_counts(urls)
    assert first == ANONYMOUS_FIRST
    assert again == ANONYMOUS_AGAIN
    assert enrolled_counts(learner, urls) == ENROLLED


def test_an_enrolled_learners_lesson_page_takes_at_most_8_queries(db):
    learner, urls = build_site(lessons=5, learners=1)
    assert enrolled_counts(learner, urls)["lesson"] <= 8


# "Mark complete" as lesson.js sends it, from the lesson page: the lesson (not yet kept by
# this process: the page view before it was routed afresh), enrolment, the completion's
# upsert, and one read of the progress, for both the course's completion and the answer.
MARK_COMPLETE = 4


@pytest.mark.parametrize("lessons", [5, 50])
def test_mark_complete_reads_the_learners_progress_once(db, lessons):
    learner, _ = build_site(lessons=lessons, learners=1)
    lesson = LessonPage.objects.live().order_by("path")[2]
    client = Client()
    client.force_login(learner)
    client.get(lesson.url)
    url = reverse("course:lesson-progress", args=[lesson.pk])

    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {"action": "complete"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["completed_count"] == 2
    queries = [q["sql"] for q in captured]
    assert len(queries) == MARK_COMPLETE, "\n".join(sql[:90] for sql in queries)
