"""What readers and search engines get from the site's pages, feed and sitemap."""

import datetime
import json
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from tests.factories import ArticlePageFactory

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def xml_of(response) -> ElementTree.Element:
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own server's answer


def cta_block(course, **value):
    return {
        "type": "cta",
        "value": {
            "course": course.pk,
            "heading": "Unlock the free course",
            "text": "",
            "button_label": "Unlock the free course",
            **value,
        },
    }


# The call to action in articles


@pytest.mark.django_db
def test_article_cta_button_leads_to_its_course(client, site_tree):
    course = site_tree["course"]
    article = ArticlePageFactory(parent=site_tree["index"], body=[cta_block(course)])

    response = client.get(article.url)

    button = soup_of(response).find("a", string="Unlock the free course")
    assert button is not None, "the article shows no “Unlock the free course” link"
    assert course.title in button.find_parent("aside").get_text()
    destination = client.get(button["href"], follow=True)
    assert destination.status_code == 200
    assert soup_of(destination).h1.get_text(strip=True) == course.title


@pytest.mark.django_db
def test_article_cta_for_an_unpublished_course_renders_nothing(client, site_tree):
    course = site_tree["course"]
    article = ArticlePageFactory(
        parent=site_tree["index"],
        body=[
            {"type": "rich_text", "value": "<p>Talk to people.</p>"},
            cta_block(course, heading="Join my course now"),
        ],
    )
    course.unpublish()

    response = client.get(article.url)

    assert response.status_code == 200
    assert "Talk to people." in response.text
    assert "Join my course now" not in response.text
    assert "Unlock the free course" not in response.text


@pytest.mark.django_db
def test_article_cta_for_a_deleted_course_renders_nothing(client, site_tree):
    course = site_tree["course"]
    article = ArticlePageFactory(parent=site_tree["index"], body=[cta_block(course)])
    course.delete()

    response = client.get(article.url)

    assert response.status_code == 200
    assert "Unlock the free course" not in response.text


# Search engines: sitemap, structured data, meta tags


@pytest.mark.django_db
def test_sitemap_lists_the_course_and_each_published_lesson(client, site_tree):
    course, lessons = site_tree["course"], site_tree["lessons"]
    draft = lessons[-1]
    draft.unpublish()

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    locations = {loc.text for loc in xml_of(response).findall("sm:url/sm:loc", SITEMAP_NS)}
    assert course.full_url in locations
    for lesson in lessons[:-1]:
        assert lesson.full_url in locations
    assert draft.full_url not in locations


@pytest.mark.django_db
def test_course_page_describes_the_free_course_in_one_json_ld_block(client, site_tree):
    course = site_tree["course"]

    response = client.get(course.url)

    scripts = soup_of(response).find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    data = json.loads(scripts[0].string)
    assert data["@type"] == "Course"
    assert data["name"] == "Land a job you love"
    assert data["provider"]["name"] == "Coachhouse"
    assert data["offers"]["price"] == "0.00"
    assert data["numberOfLessons"] == 3
    assert [section["name"] for section in data["syllabusSections"]] == [
        "Lesson 1",
        "Lesson 2",
        "Lesson 3",
    ]


@pytest.mark.django_db
def test_course_json_ld_cannot_break_out_of_its_script_element(client, site_tree):
    course = site_tree["course"]
    course.title = "Pay </script><script>alert(1)</script> less"
    course.save_revision().publish()

    response = client.get(course.url)

    [script] = soup_of(response).find_all("script", type="application/ld+json")
    assert json.loads(script.string)["name"] == course.title
    assert "<script>alert(1)" not in response.text


@pytest.mark.django_db
def test_article_page_has_meta_description_and_open_graph_tags(client, site_tree):
    article = ArticlePageFactory(
        parent=site_tree["index"],
        title="Coffee beats cover letters",
        summary="Why one conversation outweighs a hundred applications.",
    )

    response = client.get(article.url)

    head = soup_of(response).head
    description = head.find("meta", attrs={"name": "description"})
    assert description["content"] == "Why one conversation outweighs a hundred applications."
    assert head.find("meta", property="og:title")["content"] == "Coffee beats cover letters"
    assert head.find("meta", property="og:url")["content"] == article.full_url
    assert head.find("meta", property="og:type")["content"] == "article"


# The RSS feed


@pytest.mark.django_db
def test_rss_feed_lists_published_articles_newest_first(client, site_tree):
    index = site_tree["index"]
    today = datetime.date(2026, 11, 20)
    ArticlePageFactory(parent=index, title="Oldest", date=today - datetime.timedelta(days=9))
    ArticlePageFactory(parent=index, title="Newest", date=today)
    ArticlePageFactory(parent=index, title="Middle", date=today - datetime.timedelta(days=3))
    ArticlePageFactory(parent=index, title="Draft", date=today, live=False)

    response = client.get("/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    items = xml_of(response).findall("channel/item")
    assert [item.findtext("title") for item in items] == ["Newest", "Middle", "Oldest"]
    assert items[0].findtext("link").startswith("http://testserver/articles/")


# The article index


@pytest.mark.django_db
def test_article_index_shows_ten_articles_a_page_newest_first(client, site_tree):
    index = site_tree["index"]
    start = datetime.date(2026, 1, 1)
    for day in range(12):
        ArticlePageFactory(
            parent=index, title=f"Article from day {day}", date=start + datetime.timedelta(day)
        )

    first = soup_of(client.get(index.url))
    second = soup_of(client.get(index.url, {"page": 2}))

    def titles(soup):
        return [heading.get_text(strip=True) for heading in soup.select(".card__title")]

    assert titles(first) == [f"Article from day {day}" for day in range(11, 1, -1)]
    assert titles(second) == ["Article from day 1", "Article from day 0"]
    assert first.find("a", rel="next")["href"] == "?page=2"
    assert "Page 2 of 2" in second.get_text()


@pytest.mark.parametrize("junk", ["abc", "1.5", "0", "-1", "999", ""])
@pytest.mark.django_db
def test_article_index_shows_a_page_of_articles_for_a_junk_page_number(client, site_tree, junk):
    ArticlePageFactory(parent=site_tree["index"], title="Coffee beats cover letters")

    response = client.get(site_tree["index"].url, {"page": junk})

    assert response.status_code == 200
    assert "Coffee beats cover letters" in response.text


# Errors


@pytest.mark.django_db
def test_missing_page_is_a_404_in_the_sites_own_layout(client, site_tree):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    soup = soup_of(response)
    assert soup.h1.get_text(strip=True) == "We couldn’t find that page"
    assert soup.find("header") is not None and soup.find("footer") is not None
    assert soup.find("a", href="/") is not None
