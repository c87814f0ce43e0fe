"""Pages cached whole for anonymous visitors: fresh after a publish, and never anyone's own."""

import re
import warnings

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.test import Client
from wagtail.models import PageViewRestriction, Site

from coachhouse.models import SiteSettings
from course import services
from lessons.models import LessonPage
from tests.factories import ArticlePageFactory, UserFactory, WaitListPageFactory


def anonymous_get(url, **extra):
    response = Client().get(url, **extra)
    assert response.status_code == 200, url
    return response


def publish(page, **changes):
    page = page.specific.__class__.objects.get(pk=page.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


def test_a_second_anonymous_visit_is_served_from_the_cache(lessons):
    first = anonymous_get(lessons[0].url)
    again = anonymous_get(lessons[0].url)

    assert first["X-Cache"] == "miss"
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def test_publishing_a_lesson_replaces_its_cached_page(lessons):
    anonymous_get(lessons[0].url)

    publish(lessons[0], title="Know what you want, first")

    response = anonymous_get(lessons[0].url)
    assert response["X-Cache"] == "miss"
    assert "Know what you want, first" in response.content.decode()


def test_publishing_the_course_refreshes_its_lessons_and_the_course_page(course, lessons):
    anonymous_get(lessons[0].url)
    anonymous_get(course.url)

    publish(course, title="Find work that fits")

    assert "Find work that fits" in anonymous_get(lessons[0].url).content.decode()
    assert "Find work that fits" in anonymous_get(course.url).content.decode()


def test_an_unpublished_lesson_leaves_the_course_outline_and_its_address(course, lessons):
    assert lessons[2].title in anonymous_get(course.url).content.decode()
    anonymous_get(lessons[2].url)

    lessons[2].unpublish()

    assert lessons[2].title not in anonymous_get(course.url).content.decode()
    assert Client().get(lessons[2].url).status_code == 404


def test_a_very_long_address_is_routed_without_a_cache_key_warning(site_tree, lessons):
    long_path = "/" + "/".join(["a-rather-long-path-segment"] * 12) + "/"

    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        assert Client().get(long_path).status_code == 404
        assert anonymous_get(lessons[0].url)["X-Cache"] == "miss"


def test_a_moved_page_is_found_at_its_new_address_only(site_tree, lessons):
    article_index = site_tree["index"]
    old_url = article_index.url
    anonymous_get(old_url)

    article_index.slug = "writing"
    article_index.save_revision().publish()

    assert Client().get(old_url).status_code == 404
    assert anonymous_get("/writing/")["X-Cache"] == "miss"


def test_new_header_links_show_on_cached_pages(site_tree, lessons):
    anonymous_get(lessons[0].url)

    settings = SiteSettings.for_site(Site.objects.get())
    settings.header_links = [
        {"type": "link", "value": {"label": "Meet Nora", "page": None, "url": "/about/"}}
    ]
    settings.save()

    assert "Meet Nora" in anonymous_get(lessons[0].url).content.decode()


def test_a_page_made_private_is_no_longer_served_from_the_cache(lessons):
    anonymous_get(lessons[0].url)

    PageViewRestriction.objects.create(page=lessons[0], restriction_type="login")

    response = Client().get(lessons[0].url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


def test_parameters_no_page_reads_share_the_cached_page(site_tree):
    index_url = site_tree["index"].url
    anonymous_get(index_url)

    assert anonymous_get(index_url, QUERY_STRING="utm_source=news&fbclid=x1")["X-Cache"] == "hit"
    assert anonymous_get(index_url, QUERY_STRING="anything=else")["X-Cache"] == "hit"


def test_the_article_lists_pages_are_cached_apart(site_tree):
    index = site_tree["index"]
    for number in range(12):
        ArticlePageFactory(parent=index, title=f"Article number {number}")
    first = anonymous_get(index.url)
    second = anonymous_get(index.url, QUERY_STRING="page=2")

    assert second["X-Cache"] == "miss"
    assert anonymous_get(index.url, QUERY_STRING="page=2")["X-Cache"] == "hit"
    assert second.content != first.content


def test_only_a_publish_changes_the_cached_page_not_a_draft(lessons):
    anonymous_get(lessons[0].url)
    draft = LessonPage.objects.get(pk=lessons[0].pk)
    draft.title = "Know your values"
    draft.save_revision()
    draft.title = "Know your values, twice"
    second_draft = draft.save_revision()

    unchanged = anonymous_get(lessons[0].url)
    assert unchanged["X-Cache"] == "hit"
    assert "Know your values" not in unchanged.content.decode()

    second_draft.publish()

    published = anonymous_get(lessons[0].url)
    assert published["X-Cache"] == "miss"
    assert "Know your values, twice" in published.content.decode()


# Never someone else's page


@pytest.fixture
def zelda(course, lessons):
    user = UserFactory(first_name="Zelda", email="zelda@example.com")
    services.enrolment_create(user=user, course=course)
    services.lesson_complete(user=user, lesson=lessons[0])
    return user


def test_a_learners_pages_are_private_and_never_reach_a_visitor(zelda, course, lessons):
    learner = Client()
    learner.force_login(zelda)
    for url in (course.url, lessons[0].url, lessons[1].url, "/"):
        seen = learner.get(url)
        assert seen.status_code == 200
        assert "X-Cache" not in seen
        assert "private" in seen["Cache-Control"]
        assert "no-store" in seen["Cache-Control"]

        for _ in range(2):  # the first visit may fill the cache, the second is served from it
            page = anonymous_get(url).content.decode()
            assert "Zelda" not in page
            assert "zelda@example.com" not in page
            assert "1 of 3 lessons" not in page
            assert "Sign out" not in page
            assert "csrfmiddlewaretoken" not in page


def test_a_visitors_cached_page_never_reaches_a_learner(zelda, lessons):
    anonymous_get(lessons[1].url)
    assert anonymous_get(lessons[1].url)["X-Cache"] == "hit"

    learner = Client()
    learner.force_login(zelda)
    page = learner.get(lessons[1].url)

    assert "X-Cache" not in page
    assert "Mark complete" in page.content.decode()
    assert "1 of 3 lessons" in page.content.decode()


def test_a_cached_page_sets_no_cookie(lessons):
    anonymous_get(lessons[0].url)
    response = anonymous_get(lessons[0].url)

    assert response["X-Cache"] == "hit"
    assert not response.cookies


def test_a_page_with_a_form_is_never_cached_and_never_shares_its_token(site_tree):
    wait_list = WaitListPageFactory(parent=site_tree["home"])

    first, second = Client().get(wait_list.url), Client().get(wait_list.url)

    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.content.decode()).group(1)
        for r in (first, second)
    ]
    assert tokens[0] != tokens[1]
    assert "X-Cache" not in second
    assert "no-store" in second["Cache-Control"]
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(lessons):
    anonymous_get(lessons[0].url)

    client = Client()
    client.cookies["messages"] = "anything"
    response = client.get(lessons[0].url)

    assert "X-Cache" not in response
