"""Builds the demo site through Wagtail's page API; running it again changes nothing."""

import datetime
import io
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from coachhouse.demo import artwork, content
from coachhouse.models import ArticleIndexPage, ArticlePage, HomePage, SiteSettings
from coaching.models import CoachingPackage, WaitListPage
from course.models import CoursePage
from lessons.models import LessonPage

EDITOR_EMAIL = "editor@coachhouse.localhost"
WORKSHEET_TITLE = "Values and strengths worksheet"
WORKSHEET_PROMPTS = [
    "Which three moments in your working life made you proudest, and why?",
    "When do you lose track of time at work? What are you doing then?",
    "Which five values must your next role honour?",
    "What do colleagues thank you for, again and again?",
    "What will you no longer accept in a job?",
]


@dataclass
class DemoReport:
    """What a run of the loader created, for the command to print."""

    created: list[str] = field(default_factory=list)
    editor_password: str | None = None


def load_demo(*, editor_password: str | None = None) -> DemoReport:
    """Create whatever part of the demo site is missing, and nothing else."""
    report = DemoReport()
    with transaction.atomic():
        home = _home_page(report)
        course = _course(home, report)
        if home.featured_course_id is None:
            home.featured_course = course
            home.save_revision().publish()
        index = _article_index(home, report)
        for article in content.ARTICLES:
            _article(index, course, article, report)
        waitlist = _waitlist_page(home, report)
        _packages(report)
        _site_settings(home, index, course, waitlist, report)
        report.editor_password = _editor(editor_password, report)
    return report


def _home_page(report: DemoReport) -> HomePage:
    home = HomePage.objects.first()
    if home:
        return home
    root = Page.get_first_root_node()
    home = HomePage(
        title="Home",
        slug="home",
        seo_title=f"{content.AUTHOR}, career coach",
        hero_heading="Find work that fits the life you want",
        hero_text=(
            f"I’m {content.AUTHOR}. I help people who feel stuck get clear on what they want, "
            "talk to the right people and land a job they love. Start with my free course."
        ),
        hero_image=_image("Home hero", "A warm abstract landscape of overlapping circles", report),
    )
    # Wagtail's first migration leaves a "Welcome" page (and a site pointing at it) where the
    # home page belongs; the home page replaces both.
    Page.objects.filter(depth=2, content_type__model="page").delete()
    _publish(root, home, report, "home page")
    # The site's address comes from BASE_URL, so canonical links and the sitemap match it.
    address = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "root_page": home,
            "hostname": address.hostname or "localhost",
            "port": address.port or (443 if address.scheme == "https" else 80),
            "site_name": "Coachhouse",
        },
    )
    return home


def _course(home: HomePage, report: DemoReport) -> CoursePage:
    data = content.COURSE
    course = CoursePage.objects.filter(slug=data["slug"]).first()
    if course is None:
        course = CoursePage(
            title=data["title"],
            slug=data["slug"],
            outcome=data["outcome"],
            audience=data["audience"],
            intro=data["intro"],
            image=_image(data["title"], "Abstract shapes in teal and amber", report),
        )
        _publish(home, course, report, f"course “{course.title}”")
    for number, lesson in enumerate(data["lessons"], start=1):
        if LessonPage.objects.child_of(course).filter(slug=lesson["slug"]).exists():
            continue
        body = list(lesson["body"])
        if number == 1:
            body.append({"type": "worksheet", "value": _worksheet(report)})
        page = LessonPage(
            title=lesson["title"],
            slug=lesson["slug"],
            summary=lesson["summary"],
            duration_minutes=lesson["duration_minutes"],
            free_preview=lesson["free_preview"],
            body=body,
        )
        _publish(course, page, report, f"lesson {number} “{page.title}”")
    return course


def _article_index(home: HomePage, report: DemoReport) -> ArticleIndexPage:
    index = ArticleIndexPage.objects.first()
    if index:
        return index
    index = ArticleIndexPage(
        title="Articles",
        slug="articles",
        intro=(
            "Notes on networking, job search and finding work you love, from years of "
            "coaching people through career changes."
        ),
    )
    return _publish(home, index, report, "article index")


def _article(index: ArticleIndexPage, course: CoursePage, data: dict, report: DemoReport) -> None:
    if ArticlePage.objects.filter(slug=data["slug"]).exists():
        return
    cta = {
        "type": "cta",
        "value": {
            "course": course.pk,
            "heading": "Unlock the free course",
            "text": (
                f"“{course.title}” takes you from “I’m stuck” to a plan, one short lesson "
                "at a time. It’s free, and your progress is saved as you go."
            ),
            "button_label": "Unlock the free course",
        },
    }
    article = ArticlePage(
        title=data["title"],
        slug=data["slug"],
        author=content.AUTHOR,
        date=timezone.localdate() - datetime.timedelta(days=data["days_ago"]),
        summary=data["summary"],
        image=_image(data["title"], f"Abstract illustration for “{data['title']}”", report),
        body=[*data["body"], cta],
    )
    _publish(index, article, report, f"article “{article.title}”")


def _waitlist_page(home: HomePage, report: DemoReport) -> WaitListPage:
    page = WaitListPage.objects.first()
    if page:
        return page
    page = WaitListPage(
        title="1:1 coaching",
        slug="coaching",
        intro=(
            "<p>The course gives you a plan. Coaching gives you someone in your corner while "
            "you carry it out: we work on your story, rehearse the conversations that matter "
            "and keep you moving when the search gets long.</p>"
            "<p>I work with a small number of people at a time, so I keep a wait list. Join it "
            "below and I’ll invite you, in order, as soon as a place opens.</p>"
        ),
    )
    return _publish(home, page, report, "wait-list page")


def _packages(report: DemoReport) -> None:
    if CoachingPackage.objects.exists():
        return
    for order, (name, sessions, price, description) in enumerate(content.PACKAGES):
        CoachingPackage.objects.create(
            name=name,
            sessions=sessions,
            price_minor=price,
            description=description,
            sort_order=order,
        )
    report.created.append(f"{len(content.PACKAGES)} coaching packages")


def _site_settings(
    home: HomePage,
    index: ArticleIndexPage,
    course: CoursePage,
    waitlist: WaitListPage,
    report: DemoReport,
) -> None:
    site = Site.objects.get(root_page=home)
    site_settings = SiteSettings.for_site(site)
    if site_settings.header_links:
        return
    site_settings.coaching_page = waitlist
    site_settings.tagline = "Career coaching for people ready to love their work."
    site_settings.header_links = [
        {"type": "link", "value": {"label": "Articles", "page": index.pk, "url": ""}},
        {"type": "link", "value": {"label": "Free course", "page": course.pk, "url": ""}},
        {"type": "link", "value": {"label": "Coaching", "page": waitlist.pk, "url": ""}},
    ]
    site_settings.footer_text = (
        f"{content.AUTHOR} is a career coach. Her free course and articles help people find "
        "work they love, one conversation at a time."
    )
    site_settings.footer_links = [
        {"type": "link", "value": {"label": "Articles", "page": index.pk, "url": ""}},
        {"type": "link", "value": {"label": course.title, "page": course.pk, "url": ""}},
        {"type": "link", "value": {"label": "RSS feed", "page": None, "url": "/feed/"}},
    ]
    site_settings.save()
    report.created.append("navigation and footer")


def _publish(parent: Page, page: Page, report: DemoReport, label: str) -> Page:
    """Add `page` under `parent` and publish it, as an editor would."""
    parent.add_child(instance=page)
    page.save_revision().publish()
    report.created.append(label)
    return page


def _image(title: str, alt: str, report: DemoReport):
    image_model = get_image_model()
    image = image_model.objects.filter(title=title).first()
    if image:
        return image
    picture = ImageFile(io.BytesIO(artwork.cover_png(title)), name=f"{slugify(title)[:60]}.png")
    image = image_model.objects.create(title=title, description=alt, file=picture)
    report.created.append(f"image “{title}”")
    return image


def _worksheet(report: DemoReport) -> dict:
    document_model = get_document_model()
    document = document_model.objects.filter(title=WORKSHEET_TITLE).first()
    if document is None:
        document = document_model(title=WORKSHEET_TITLE)
        pdf = artwork.worksheet_pdf(WORKSHEET_TITLE, WORKSHEET_PROMPTS)
        document.file.save("values-and-strengths-worksheet.pdf", ContentFile(pdf), save=False)
        document.save()
        report.created.append(f"document “{WORKSHEET_TITLE}”")
    return {
        "document": document.pk,
        "title": WORKSHEET_TITLE,
        "description": "Print it or fill it in on screen; it takes about twenty minutes.",
    }


def _editor(password: str | None, report: DemoReport) -> str | None:
    """The demo editor; returns a password only when it was set in this run."""
    user_model = get_user_model()
    editor = user_model.objects.filter(email=EDITOR_EMAIL).first()
    if editor and not password:
        return None
    if editor is None:
        editor = user_model.objects.create_superuser(
            email=EDITOR_EMAIL, first_name="Demo", last_name="Editor"
        )
        report.created.append(f"editor account {EDITOR_EMAIL}")
    password = password or secrets.token_urlsafe(12)
    if not editor.check_password(password):
        editor.set_password(password)
        editor.save(update_fields=["password"])
    return password
