"""The demo loader: the site a newcomer sees after `make run`, built once and only once."""

import os
import shutil
import tempfile
from io import StringIO
from unittest import mock

from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase, override_settings
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site

from coachhouse.demo.loader import EDITOR_EMAIL, load_demo
from coachhouse.models import ArticleIndexPage, ArticlePage, HomePage
from course.models import CoursePage

COURSE_TITLE = "Land a job you love"


class MediaInTempDirMixin:
    """The demo draws images and a PDF; keep them out of the project's media folder."""

    @classmethod
    def setUpClass(cls):
        media_root = tempfile.mkdtemp(prefix="coachhouse-demo-media-")
        cls.addClassCleanup(shutil.rmtree, media_root, ignore_errors=True)
        media = override_settings(MEDIA_ROOT=media_root)
        media.enable()
        cls.addClassCleanup(media.disable)
        super().setUpClass()


def editor():
    return get_user_model().objects.get(email=EDITOR_EMAIL)


def demo_footprint() -> dict:
    """Everything a second run of the loader could add to or change."""
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "users": get_user_model().objects.count(),
        "sites": Site.objects.count(),
        "editor_password_hash": editor().password,
    }


class DemoContentTests(MediaInTempDirMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.report = load_demo()

    def course(self) -> CoursePage:
        return CoursePage.objects.get(title=COURSE_TITLE)

    def test_home_page_is_the_default_sites_root_and_served_at_slash(self):
        site = Site.objects.get(is_default_site=True)
        self.assertIsInstance(site.root_page.specific, HomePage)
        self.assertTrue(site.root_page.live)
        # Wagtail's "Welcome" placeholder is gone: the home page is the only top-level page.
        self.assertEqual(Page.objects.filter(depth=2).count(), 1)

        response = self.client.get("/")
        self.assertContains(response, site.root_page.specific.hero_heading)

    def test_demo_has_three_published_articles_under_the_article_index(self):
        index = ArticleIndexPage.objects.get()
        articles = ArticlePage.objects.child_of(index).live()
        self.assertEqual(articles.count(), 3)

    def test_every_demo_article_ends_with_a_call_to_action_for_the_course(self):
        course = self.course()
        for article in ArticlePage.objects.all():
            with self.subTest(article=article.title):
                last_block = article.body[-1]
                self.assertEqual(last_block.block_type, "cta")
                self.assertEqual(last_block.value["course"].pk, course.pk)
                self.assertIn(COURSE_TITLE, last_block.value["text"])

    def test_demo_article_invites_readers_into_the_course(self):
        article = ArticlePage.objects.order_by("-date").first()
        response = self.client.get(article.url)
        button = BeautifulSoup(response.content, "html.parser").find(
            "a", string="Unlock the free course"
        )
        self.assertIsNotNone(button, "no “Unlock the free course” link")
        destination = self.client.get(button["href"], follow=True)
        self.assertEqual(destination.status_code, 200)
        heading = BeautifulSoup(destination.content, "html.parser").h1.get_text(strip=True)
        self.assertEqual(heading, COURSE_TITLE)

    def test_demo_course_has_at_least_seven_published_lessons(self):
        course = self.course()
        self.assertTrue(course.live)
        self.assertGreaterEqual(len(course.lesson_list), 7)

    def test_only_the_first_demo_lesson_is_a_free_preview(self):
        lessons = self.course().lesson_list
        self.assertEqual(
            [lesson.free_preview for lesson in lessons], [True] + [False] * (len(lessons) - 1)
        )

    def test_demo_features_the_course_on_the_home_page(self):
        self.assertEqual(HomePage.objects.get().featured_course_id, self.course().pk)

    def test_second_run_creates_and_changes_nothing(self):
        before = demo_footprint()
        report = load_demo()
        self.assertEqual(demo_footprint(), before)
        self.assertEqual(report.created, [])

    def test_second_run_with_the_same_chosen_password_changes_nothing(self):
        load_demo(editor_password="a chosen demo password")
        before = demo_footprint()
        load_demo(editor_password="a chosen demo password")
        self.assertEqual(demo_footprint(), before)

    def test_generated_editor_password_signs_in_and_is_handed_out_only_once(self):
        generated = self.report.editor_password
        self.assertTrue(generated)
        self.assertTrue(editor().check_password(generated))
        self.assertTrue(editor().is_superuser)

        self.assertIsNone(load_demo().editor_password)
        self.assertTrue(editor().check_password(generated))

    def test_password_argument_becomes_the_editors_password(self):
        report = load_demo(editor_password="a chosen demo password")
        self.assertEqual(report.editor_password, "a chosen demo password")
        self.assertTrue(editor().check_password("a chosen demo password"))
        self.assertFalse(editor().check_password(self.report.editor_password))

    def test_load_demo_command_sets_the_password_from_demo_editor_password(self):
        out = StringIO()
        with mock.patch.dict(os.environ, {"DEMO_EDITOR_PASSWORD": "from the environment"}):
            call_command("load_demo", stdout=out)
        self.assertIn(f"Admin sign-in: {EDITOR_EMAIL} / from the environment", out.getvalue())
        self.assertTrue(editor().check_password("from the environment"))


class LoadDemoCommandTests(MediaInTempDirMixin, TestCase):
    def test_command_prints_the_generated_admin_sign_in_once(self):
        first, second = StringIO(), StringIO()
        with mock.patch.dict(os.environ):
            os.environ.pop("DEMO_EDITOR_PASSWORD", None)
            call_command("load_demo", stdout=first)
            call_command("load_demo", stdout=second)
        self.assertIn("Demo content created", first.getvalue())
        sign_in = next(
            line for line in first.getvalue().splitlines() if line.startswith("Admin sign-in:")
        )
        password = sign_in.removeprefix(f"Admin sign-in: {EDITOR_EMAIL} / ").split()[0]
        self.assertTrue(editor().check_password(password))

        self.assertIn("nothing changed", second.getvalue())
        self.assertIn(f"Admin sign-in: {EDITOR_EMAIL}", second.getvalue())
        self.assertNotIn(password, second.getvalue())
