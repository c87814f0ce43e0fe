"""Pages are found where Wagtail's routing finds them, for the site of the request's host, and
what it found is kept until the content changes; by Wagtail's view as soon as a page type
routes on its own."""

import pytest
from django.test import Client
from wagtail.models import Site
from wagtail.url_routing import RouteResult

from coachhouse import pages
from coachhouse.models import ArticleIndexPage
from tests.factories import ArticlePageFactory


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(parent=site_tree["index"], title="Ask for the conversation")


def test_a_page_under_an_unpublished_page_is_found_as_wagtail_finds_it(site_tree, article):
    site_tree["index"].unpublish()

    response = Client().get(article.url)

    assert response.status_code == 200
    assert "Ask for the conversation" in response.content.decode()
    assert Client().get(site_tree["index"].url).status_code == 404


def test_an_unknown_or_unpublished_address_is_not_found(site_tree, lessons):
    lessons[2].unpublish()

    assert Client().get("/no-such-page/").status_code == 404
    assert Client().get(lessons[2].url).status_code == 404
    assert Client().get(lessons[0].url + "and-more/").status_code == 404


def test_a_page_type_with_routing_of_its_own_is_routed_by_the_walk(site_tree, monkeypatch):
    def route(self, request, path_components):
        return RouteResult(self)  # an index that answers for any path below it

    monkeypatch.setattr(ArticleIndexPage, "route", route)
    pages.stock_routing.cache_clear()
    try:
        response = Client().get(site_tree["index"].url + "2026/12/")
    finally:
        monkeypatch.undo()
        pages.stock_routing.cache_clear()

    assert response.status_code == 200
    assert Client().get(site_tree["index"].url + "2026/11/").status_code == 404


def test_each_host_is_routed_within_its_own_site(site_tree, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "course.example"]
    lesson = site_tree["lessons"][0]
    path_on_main_site = lesson.url
    Site.objects.create(hostname="course.example", root_page=site_tree["course"])

    on_course_site = Client(HTTP_HOST="course.example")
    assert on_course_site.get(f"/{lesson.slug}/").status_code == 200
    assert Client().get(f"/{lesson.slug}/").status_code == 404
    assert Client().get(path_on_main_site).status_code == 200
    assert on_course_site.get(path_on_main_site).status_code == 404


def test_a_moved_page_answers_at_its_new_address_and_the_old_one_redirects(site_tree, article):
    old_url = article.url
    assert Client().get(old_url).status_code == 200

    article.move(site_tree["home"], pos="last-child")
    article.refresh_from_db()

    # The old address is no longer a page: Wagtail's redirect (made on the move) answers it.
    moved = Client().get(old_url)
    assert (moved.status_code, moved["Location"]) == (301, article.url)
    response = Client().get(article.url)
    assert response.status_code == 200
    assert "Ask for the conversation" in response.content.decode()


def test_links_and_the_canonical_address_are_those_of_the_host_the_page_is_read_on(
    site_tree, settings
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "course.example"]
    first, second = site_tree["lessons"][:2]
    path_on_main_site, next_on_main_site = first.url, second.url
    Site.objects.create(hostname="course.example", root_page=site_tree["course"])

    for _ in range(2):  # the first view keeps the route, the second reads it back
        on_main = Client().get(path_on_main_site).content.decode()
        on_course_site = Client(HTTP_HOST="course.example").get(f"/{first.slug}/")
        on_course_site = on_course_site.content.decode()

        assert f'rel="next" href="{next_on_main_site}"' in on_main
        assert f'rel="next" href="/{second.slug}/"' in on_course_site
        assert f'<link rel="canonical" href="http://course.example/{first.slug}/">' in (
            on_course_site
        )
        assert f'<link rel="canonical" href="http://testserver{path_on_main_site}">' in on_main
