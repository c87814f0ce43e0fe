"""Each page type's SQL queries: under a ceiling, and the same for 5 lessons or 50, 1 learner or
40."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page

from course import services
from lessons.models import LessonPage
from tests.factories import (
    ArticlePageFactory,
    UserFactory,
    WaitListPageFactory,
    make_site_tree,
)

# Ceilings: a visitor's first view after a publish (nothing cached yet: Wagtail finds the
# site and walks down the tree, two queries a level); later views come whole from the page
# cache (see test_page_cache.py), at most reading nothing.
ANONYMOUS_FIRST = {
    "home": 7,
    "article index": 9,
    "article": 8,
    "course": 6,
    "free-preview lesson": 8,
    "locked lesson": 9,
    "wait list": 6,
}
ANONYMOUS_AGAIN = dict.fromkeys(ANONYMOUS_FIRST, 0) | {"wait list": 2}

# An enrolled learner, warm: the user, and the enrolment joined to the learner's progress;
# their answers too in a lesson where they gave any. The site and the page (as Wagtail's
# routing found them, coachhouse/pages.py), its course and the course's lessons come from the
# cache until the next publish.
ENROLLED = {
    "home": 4,
    "article index": 5,
    "article": 2,
    "course": 3,
    "free-preview lesson": 2,
    "lesson": 2,
    "answered lesson": 3,
    "dashboard": 4,
}


def at_most(counts: dict, ceilings: dict) -> dict:
    """The pages whose count is over its ceiling, with both."""
    return {name: (n, ceilings[name]) for name, n in counts.items() if n > ceilings[name]}


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
    for url in pages.values():
        client.get(url)  # first visits note the lesson visit and fill the shared caches
    return {name: query_count(client, url) for name, url in pages.items()}


def test_query_counts_stay_under_their_ceilings_and_do_not_grow(db):
    counts = []
    for lessons, learners in [(5, 1), (50, 40)]:
        learner, urls = build_site(lessons=lessons, learners=learners)
        first, again = anonymous_counts(urls)
        enrolled = enrolled_counts(learner, urls)
        assert at_most(first, ANONYMOUS_FIRST) == {}
        assert at_most(again, ANONYMOUS_AGAIN) == {}
        assert at_most(enrolled, ENROLLED) == {}
        counts.append((again, enrolled))
        Page.objects.filter(depth__gt=1).delete()

    # Warm, the counts are the same for ten times the lessons and forty times the learners.
    assert counts[0] == counts[1]


def test_an_enrolled_learners_lesson_page_takes_at_most_8_queries(db):
    learner, urls = build_site(lessons=5, learners=1)
    assert enrolled_counts(learner, urls)["lesson"] <= 8


# "Mark complete" as lesson.js sends it: the user, the enrolment, the completion (an insert
# that does nothing when the row is there, then an update), and one read of the progress, for
# both the course's completion and the answer. The lesson, its course and the course's lessons
# come from the cache until the next publish.
MARK_COMPLETE = 5


@pytest.mark.parametrize("lessons", [5, 50])
def test_mark_complete_reads_the_learners_progress_once(db, lessons):
    learner, _ = build_site(lessons=lessons, learners=1)
    lesson = LessonPage.objects.live().order_by("path")[2]
    client = Client()
    client.force_login(learner)
    client.get(lesson.url)
    url = reverse("course:lesson-progress", args=[lesson.pk])
    client.post(url, {"action": "uncomplete"}, HTTP_ACCEPT="application/json")  # warm

    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {"action": "complete"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["completed_count"] == 2
    queries = [q["sql"] for q in captured]
    assert len(queries) <= MARK_COMPLETE, "\n".join(sql[:90] for sql in queries)
    assert sum("course_lessonprogress" in sql.split(" WHERE ")[0] for sql in queries) <= 3
