"""Pages are found by their URL path in one query, exactly where Wagtail's walk down the tree
would find them, and by that walk as soon as a page type routes on its own."""

import pytest
from django.test import Client
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
    pages.stock_routing_below.cache_clear()
    try:
        response = Client().get(site_tree["index"].url + "2026/12/")
    finally:
        monkeypatch.undo()
        pages.stock_routing_below.cache_clear()

    assert response.status_code == 200
    assert Client().get(site_tree["index"].url + "2026/11/").status_code == 404
