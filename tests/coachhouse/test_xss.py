"""Script written straight into the content renders inert, on the site and in the admin.

Each payload is saved the way a script or an import would save it (no editor, no form
validation) into every text a page, block, setting or package can hold, and every page that
shows it is parsed: no executable element, attribute or URL may appear.
"""

from html.parser import HTMLParser

import pytest
import wagtail_factories
from bs4 import BeautifulSoup
from django.db.models import TextField
from django.db.models.functions import Cast
from wagtail.models import Site

from coachhouse.models import SiteSettings
from coaching import services, tokens
from course import services as course_services
from course.models import CoursePage
from lessons.models import LessonPage
from tests.factories import (
    ArticlePageFactory,
    CoachingPackageFactory,
    UserFactory,
    WaitListEntryFactory,
    WaitListPageFactory,
    sign_in_to_admin,
)

MARKER = "alert(1337)"
PAYLOADS = {
    "script": f"<script>{MARKER}</script>",
    "img-onerror": f"<img src=x onerror={MARKER}>",
    "svg-onload": f"<svg onload={MARKER}>",
    "javascript-link": f'<a href="javascript:{MARKER}">click</a>',
    "javascript-url": f"javascript:{MARKER}",
    "tab-in-scheme": f'<a href="jav&#x09;ascript:{MARKER}">tab</a>',
    "double-quote-breakout": f'" onmouseover="{MARKER}" x="',
    "single-quote-breakout": f"' onmouseover='{MARKER}' x='",
    "closing-tags": f"</textarea></title><script>{MARKER}</script>",
    "script-breakout": f"</script><script>{MARKER}</script>",
    "iframe": f'<iframe src="javascript:{MARKER}"></iframe>',
    "details-ontoggle": f"<details open ontoggle={MARKER}>",
    "mutation": f"<math><mtext><table><mglyph><style><img src=x onerror={MARKER}>",
}
# Script elements that are data, not code.
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
FRAMING_ELEMENTS = {"iframe", "frame", "object", "embed", "applet", "base"}


class ScriptSinks(HTMLParser):
    """Everything in a page a browser would execute: inline scripts, foreign scripts, event
    handler attributes, script URLs, frames, plugins, <base>, <style> and meta refreshes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sinks: list[str] = []
        self.inline_scripts: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.sinks.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and _runs_script(value, tag):
                self.sinks.append(f"<{tag} {name}={value!r}>")
            if name == "srcdoc":
                self.sinks.append(f"<{tag} srcdoc>")
        if tag == "script":
            kind = (attributes.get("type") or "").strip().lower()
            if kind not in DATA_SCRIPT_TYPES:
                src = attributes.get("src")
                if src is None:
                    self._script = []
                elif not src.startswith("/static/"):
                    self.sinks.append(f"<script src={src!r}>")
        elif tag in FRAMING_ELEMENTS or tag == "style":
            self.sinks.append(f"<{tag}>")
        elif tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.sinks.append("<meta http-equiv=refresh>")

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.inline_scripts.append("".join(self._script))
            self._script = None


def _runs_script(url: str, tag: str) -> bool:
    squashed = "".join(ch for ch in url if ch > " ").lower()
    if squashed.startswith(("javascript:", "vbscript:")):
        return True
    return squashed.startswith("data:") and tag != "img"


def public_sinks(html: str) -> list[str]:
    """On a public page nothing at all may execute but the site's own script files."""
    parser = ScriptSinks()
    parser.feed(html)
    return parser.sinks + [f"<script>{body[:80]}</script>" for body in parser.inline_scripts]


def admin_sinks(html: str) -> list[str]:
    """The admin has its own inline scripts; none may be, or carry, the payload."""
    parser = ScriptSinks()
    parser.feed(html)
    planted = [sink for sink in parser.sinks if MARKER in sink]
    return planted + [body for body in parser.inline_scripts if body.strip() == MARKER]


def text_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def plant(payload: str, site_tree) -> dict:
    """Write `payload` into every text the site shows, as a script would: no editor, no form."""
    home, course, lessons, index = (site_tree[k] for k in ("home", "course", "lessons", "index"))
    rich = f"<p>Before {payload} after</p>{payload}"
    image = wagtail_factories.ImageFactory(title=payload, description=payload)
    document = wagtail_factories.DocumentFactory(title=payload)

    home.hero_heading = home.hero_text = payload
    home.seo_title = home.search_description = payload
    home.save_revision().publish()

    course.title = f"Course {payload}"
    course.outcome = course.audience = payload
    course.intro = rich
    course.save_revision().publish()

    lesson = lessons[0]
    lesson.title = lesson.summary = payload
    lesson.body = [
        {"type": "rich_text", "value": rich},
        {"type": "video", "value": {"video": payload, "caption": payload, "transcript": payload}},
        {"type": "image", "value": {"image": image.pk, "caption": payload}},
        {
            "type": "worksheet",
            "value": {"document": document.pk, "title": payload, "description": payload},
        },
        {"type": "tip", "value": {"kind": payload, "title": payload, "text": rich}},
        {"type": "reflection", "value": {"prompt": payload, "guidance": payload}},
        {"type": "checklist", "value": {"title": payload, "items": [payload, payload]}},
    ]
    lesson.save_revision().publish()

    article = ArticlePageFactory(
        parent=index, title=payload, author=payload, summary=payload, image=image
    )
    article.body = [
        {"type": "rich_text", "value": rich},
        {"type": "quote", "value": {"quote": payload, "attribution": payload}},
        {"type": "tip", "value": {"kind": "tip", "title": payload, "text": rich}},
        {"type": "image", "value": {"image": image.pk, "caption": payload}},
        {
            "type": "cta",
            "value": {
                "course": course.pk,
                "heading": payload,
                "text": payload,
                "button_label": payload,
            },
        },
    ]
    article.save_revision().publish()

    waitlist = WaitListPageFactory(
        parent=home, intro=rich, form_heading=payload, privacy_note=payload
    )

    site = Site.objects.get(is_default_site=True)
    links = [
        {"type": "link", "value": {"label": payload, "page": None, "url": payload}},
        {"type": "link", "value": {"label": "Home", "page": None, "url": f"javascript:{MARKER}"}},
        {"type": "link", "value": {"label": "Tab", "page": None, "url": f"java\tscript:{MARKER}"}},
    ]
    SiteSettings.objects.update_or_create(
        site=site,
        defaults={
            "tagline": payload,
            "footer_text": payload,
            "header_links": links,
            "footer_links": links,
        },
    )

    CoachingPackageFactory(name=payload, description=payload, active=True)
    entry = services.waitlist_invite(
        entry=WaitListEntryFactory(name=payload, goals=payload, waiting=True)
    )
    return {
        "article": article,
        "lesson": lesson,
        "waitlist": waitlist,
        "entry": entry,
        "invitation": f"/waitlist/invitation/{tokens.make_token(entry, tokens.INVITATION)}/",
        "status": f"/waitlist/status/{tokens.make_token(entry, tokens.STATUS)}/",
    }


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payloads_in_pages_blocks_and_settings_render_inert_for_readers(
    client, site_tree, media, payload
):
    planted = plant(payload, site_tree)
    urls = [
        site_tree["home"].url,
        site_tree["index"].url,
        planted["article"].url,
        site_tree["course"].url,
        planted["lesson"].url,
        site_tree["lessons"][1].url,
        planted["waitlist"].url,
        planted["invitation"],
        planted["status"],
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert public_sinks(response.content.decode()) == [], url


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payloads_render_inert_for_an_enrolled_learner(client, site_tree, media, payload):
    planted = plant(payload, site_tree)
    learner = UserFactory(first_name=payload)
    course_services.enrolment_create(user=learner, course=site_tree["course"])
    client.force_login(learner)

    for url in [planted["lesson"].url, site_tree["lessons"][1].url, "/my/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert public_sinks(response.content.decode()) == [], url


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payloads_render_inert_in_the_admin_the_coach_uses(
    client, site_tree, media, payload, django_user_model
):
    planted = plant(payload, site_tree)
    sign_in_to_admin(client, django_user_model.objects.create_superuser(email="coach@example.com"))
    entry = planted["entry"]

    for url in [
        f"/admin/pages/{site_tree['index'].pk}/",
        f"/admin/pages/{planted['article'].pk}/edit/",
        f"/admin/pages/{planted['lesson'].pk}/edit/",
        "/admin/coaching/wait-list/",
        f"/admin/coaching/wait-list/inspect/{entry.pk}/",
        f"/admin/coaching/wait-list/edit/{entry.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert admin_sinks(response.content.decode()) == [], url


def test_text_fields_show_a_payload_as_text_rather_than_dropping_it(client, site_tree, media):
    payload = PAYLOADS["script"]
    planted = plant(payload, site_tree)

    response = client.get(planted["article"].url)

    assert text_of(response).count(payload) >= 4  # title, quote, attribution, CTA heading...


def test_a_script_link_in_the_navigation_is_not_a_link(client, site_tree, media):
    plant("Plain", site_tree)

    soup = BeautifulSoup(client.get(site_tree["home"].url).content, "html.parser")

    header_links = {a.get_text(strip=True): a.get("href") for a in soup.select("header nav a")}
    assert header_links["Home"] == ""
    assert header_links["Tab"] == ""
    assert header_links["Plain"] == "Plain"


def test_rich_text_saved_by_a_script_is_stored_clean(site_tree, media):
    planted = plant(PAYLOADS["img-onerror"], site_tree)

    lesson = LessonPage.objects.get(pk=planted["lesson"].pk)
    [stored_intro] = CoursePage.objects.filter(pk=site_tree["course"].pk).values_list(
        Cast("intro", TextField()), flat=True
    )

    assert lesson.body.raw_data[0]["value"] == "<p>Before  after</p>"
    assert stored_intro == "<p>Before  after</p>"
