"""Page types: where editors may put them in the tree, and that each one renders its content."""

import datetime

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTests
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from coachhouse.models import ArticleIndexPage, ArticlePage, HomePage
from course.models import CoursePage
from lessons.models import LessonPage
from tests.factories import ArticlePageFactory, make_site_tree, sign_in_to_admin


class PageTreeRulesTests(WagtailPageTests):
    """Editors only see page types that belong where they are adding a page."""

    @classmethod
    def setUpTestData(cls):
        cls.home, cls.course, cls.lessons, cls.index = make_site_tree(lessons=1)

    def login(self, *args, **kwargs):
        """Wagtail's test sign-in, with the admin's second factor given."""
        user = super().login(*args, **kwargs)
        sign_in_to_admin(self.client, user)
        return user

    def test_home_page_sits_only_at_the_top_of_the_tree(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertCanNotCreateAt(HomePage, HomePage)
        self.assertCanNotCreateAt(CoursePage, HomePage)

    def test_home_page_holds_the_article_index_and_courses_but_no_loose_articles_or_lessons(self):
        self.assertCanCreateAt(HomePage, ArticleIndexPage)
        self.assertCanCreateAt(HomePage, CoursePage)
        self.assertCanNotCreateAt(HomePage, ArticlePage)
        self.assertCanNotCreateAt(HomePage, LessonPage)

    def test_articles_live_only_in_the_article_index_and_have_no_children(self):
        self.assertAllowedParentPageTypes(ArticlePage, {ArticleIndexPage})
        self.assertAllowedSubpageTypes(ArticleIndexPage, {ArticlePage})
        self.assertAllowedSubpageTypes(ArticlePage, set())
        self.assertCanNotCreateAt(CoursePage, ArticlePage)

    def test_article_index_lives_only_under_the_home_page(self):
        self.assertAllowedParentPageTypes(ArticleIndexPage, {HomePage})
        self.assertCanNotCreateAt(CoursePage, ArticleIndexPage)

    def test_courses_live_only_under_the_home_page(self):
        self.assertAllowedParentPageTypes(CoursePage, {HomePage})
        self.assertCanNotCreateAt(ArticleIndexPage, CoursePage)
        self.assertCanNotCreateAt(CoursePage, CoursePage)

    def test_lessons_live_only_inside_a_course_and_have_no_children(self):
        self.assertAllowedParentPageTypes(LessonPage, {CoursePage})
        self.assertAllowedSubpageTypes(CoursePage, {LessonPage})
        self.assertAllowedSubpageTypes(LessonPage, set())
        self.assertCanNotCreateAt(ArticleIndexPage, LessonPage)

    def test_site_has_a_single_home_page_and_a_single_article_index(self):
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))
        self.assertFalse(ArticleIndexPage.can_create_at(self.home))

    def test_editor_can_add_a_course_under_the_home_page_in_the_admin(self):
        self.assertCanCreate(
            self.home,
            CoursePage,
            nested_form_data(
                {
                    "title": "Negotiate your salary",
                    "outcome": "A number you can defend.",
                    "audience": "Anyone with an offer on the table.",
                    "intro": rich_text("<p>Three short lessons.</p>"),
                    "price": "0.00",
                    "currency": "GBP",
                }
            ),
        )
        self.assertTrue(CoursePage.objects.get(title="Negotiate your salary").live)

    def test_editor_can_add_a_lesson_inside_a_course_in_the_admin(self):
        self.assertCanCreate(
            self.course,
            LessonPage,
            nested_form_data(
                {
                    "title": "Know your number",
                    "summary": "Research what the role pays.",
                    "duration_minutes": "20",
                    "body": streamfield([("rich_text", rich_text("<p>Look it up.</p>"))]),
                }
            ),
        )
        lesson = LessonPage.objects.get(title="Know your number")
        self.assertEqual(lesson.get_parent().pk, self.course.pk)

    def test_editor_can_add_an_article_with_a_course_invitation_in_the_admin(self):
        self.assertCanCreate(
            self.index,
            ArticlePage,
            nested_form_data(
                {
                    "title": "Say yes slowly",
                    "author": "Maya",
                    "date": "2026-11-01",
                    "summary": "Take a day before accepting.",
                    "body": streamfield(
                        [
                            ("rich_text", rich_text("<p>Ask for time.</p>")),
                            (
                                "cta",
                                {
                                    "course": str(self.course.pk),
                                    "heading": "Unlock the free course",
                                    "text": "",
                                    "button_label": "Unlock the free course",
                                },
                            ),
                        ]
                    ),
                }
            ),
        )
        article = ArticlePage.objects.get(title="Say yes slowly")
        self.assertEqual(article.body[-1].value["course"].pk, self.course.pk)


def visible_text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


@pytest.mark.django_db
def test_home_page_renders_hero_featured_course_and_latest_articles(client, site_tree):
    home, course = site_tree["home"], site_tree["course"]
    home.featured_course = course
    home.save_revision().publish()
    ArticlePageFactory(parent=site_tree["index"], title="Coffee beats cover letters")

    response = client.get(home.url)

    assert response.status_code == 200
    text = visible_text(response)
    assert home.hero_heading in text
    assert home.hero_text in text
    assert course.title in text
    assert "Coffee beats cover letters" in text


@pytest.mark.django_db
def test_article_index_renders_its_published_articles(client, site_tree):
    index = site_tree["index"]
    ArticlePageFactory(parent=index, title="Coffee beats cover letters")
    ArticlePageFactory(parent=index, title="A draft nobody should see", live=False)

    response = client.get(index.url)

    assert response.status_code == 200
    text = visible_text(response)
    assert "Coffee beats cover letters" in text
    assert "A draft nobody should see" not in text


@pytest.mark.django_db
def test_article_page_renders_title_byline_summary_and_body(client, site_tree):
    article = ArticlePageFactory(
        parent=site_tree["index"],
        title="Coffee beats cover letters",
        author="Maya Brooks",
        date=datetime.date(2026, 3, 14),
        summary="Why one conversation outweighs a hundred applications.",
        body=[{"type": "rich_text", "value": "<p>Ask one curious question a week.</p>"}],
    )

    response = client.get(article.url)

    assert response.status_code == 200
    text = visible_text(response)
    for expected in (
        "Coffee beats cover letters",
        "By Maya Brooks",
        "14 March 2026",
        "Why one conversation outweighs a hundred applications.",
        "Ask one curious question a week.",
    ):
        assert expected in text


@pytest.mark.django_db
def test_course_page_renders_promise_audience_and_every_lesson(client, site_tree):
    course = site_tree["course"]

    response = client.get(course.url)

    assert response.status_code == 200
    text = visible_text(response)
    assert course.title in text
    assert course.outcome in text
    assert course.audience in text
    assert "3 lessons" in text
    soup = BeautifulSoup(response.content, "html.parser")
    for lesson in site_tree["lessons"]:
        assert soup.find("a", href=lesson.url), f"no link to {lesson.title}"


@pytest.mark.django_db
def test_course_page_leaves_out_draft_lessons(client, site_tree):
    draft = site_tree["lessons"][-1]
    draft.unpublish()

    response = client.get(site_tree["course"].url)

    assert draft.title not in visible_text(response)
    assert "2 lessons" in visible_text(response)


@pytest.mark.django_db
def test_free_preview_lesson_renders_its_blocks_and_place_in_the_course(client, site_tree):
    first, second = site_tree["lessons"][:2]

    response = client.get(first.url)

    assert response.status_code == 200
    text = visible_text(response)
    assert first.title in text
    assert "Lesson 1 of 3" in text
    assert "Start with what you want." in text  # rich text
    assert "What do you want?" in text  # reflection prompt
    assert "Write it down" in text  # checklist item
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("a", rel="next", href=second.url)
