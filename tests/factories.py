"""Builders for the test suite: users and pages placed under their allowed parents."""

import datetime

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from wagtail.models import Page, Site

from coachhouse.models import ArticleIndexPage, ArticlePage, HomePage, SiteSettings
from course.models import CoursePage
from lessons.models import LessonPage


class UserFactory(factory.django.DjangoModelFactory):
    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    first_name = "Sam"

    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Home"
    hero_heading = "Find work that fits"
    hero_text = "A coach who helps you get unstuck."

    class Meta:
        model = HomePage


class CoursePageFactory(wagtail_factories.PageFactory):
    title = "Land a job you love"
    outcome = "A clear target, a network that knows it and a plan for the next month."
    audience = "People who feel stuck in their careers."

    class Meta:
        model = CoursePage


class LessonPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Lesson {n}")
    summary = "What this lesson covers."
    duration_minutes = 15
    body = factory.LazyFunction(
        lambda: [
            {"type": "rich_text", "value": "<p>Start with what you want.</p>"},
            {"type": "reflection", "value": {"prompt": "What do you want?", "guidance": ""}},
            {"type": "checklist", "value": {"title": "To do", "items": ["Write it down"]}},
        ]
    )

    class Meta:
        model = LessonPage


class ArticleIndexPageFactory(wagtail_factories.PageFactory):
    title = "Articles"

    class Meta:
        model = ArticleIndexPage


class ArticlePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Article {n}")
    author = "Maya"
    date = factory.LazyFunction(datetime.date.today)
    summary = "Why conversations beat applications."
    body = factory.LazyFunction(lambda: [{"type": "rich_text", "value": "<p>Talk to people.</p>"}])

    class Meta:
        model = ArticlePage


def make_site_tree(*, lessons: int = 3):
    """A home page as the default site's root, with a course of `lessons` lessons."""
    root = Page.get_first_root_node()
    # Wagtail's first migration leaves a "Welcome" page whose slug clashes with ours.
    Page.objects.filter(depth=2, content_type__model="page").delete()
    home = HomePageFactory(parent=root)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "root_page": home,
            "hostname": "testserver",
            "port": 80,
            "site_name": "Coachhouse",
        },
    )
    # A real site has its settings row; made on first use otherwise, which counts as a change.
    SiteSettings.for_site(Site.objects.get(is_default_site=True))
    course = CoursePageFactory(parent=home)
    lesson_pages = [
        LessonPageFactory(parent=course, title=f"Lesson {n}", free_preview=(n == 1))
        for n in range(1, lessons + 1)
    ]
    index = ArticleIndexPageFactory(parent=home)
    return home, course, lesson_pages, index


class WaitListPageFactory(wagtail_factories.PageFactory):
    title = "Coaching"
    intro = "<p>Work with me one to one.</p>"

    class Meta:
        model = "coaching.WaitListPage"


class WaitListEntryFactory(factory.django.DjangoModelFactory):
    """A wait-list entry, unconfirmed unless built with `waiting=True` (confirmed just now)."""

    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    job_search_stage = "applying"
    goals = "Practise interviews and sharpen my story."

    class Meta:
        model = "coaching.WaitListEntry"

    class Params:
        waiting = factory.Trait(
            status="waiting",
            confirmed_at=factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC)),
        )


class CoachingPackageFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Package {n}")
    description = "Three sessions to get you from stuck to applying."
    sessions = 3
    price_minor = 45000

    class Meta:
        model = "coaching.CoachingPackage"


# The admin's second factor (accounts/second_factor.py) --------------------------------------


TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - a test-only key


def give_authenticator(user, secret: str = TEST_TOTP_SECRET) -> str:
    """Set up allauth's TOTP for `user`, as the admin's set-up page does; returns the secret."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now, computed with allauth's own TOTP functions."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def sign_in_to_admin(client, user):
    """`client.force_login(user)` with the second factor given, as after the admin's sign-in."""
    from accounts.second_factor import SESSION_KEY

    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = str(user.pk)
    session.save()
    return client
