"""The Content Security Policy in Chromium: public pages block inline script yet work, with their
structured data; the Wagtail admin works under its own policy; editors' tools work on the site."""

import pytest
from django.conf import settings
from django.utils.csp import build_policy
from playwright.sync_api import expect
from wagtail.images import get_image_model
from wagtail.models import Site

from coachhouse.demo.loader import EDITOR_EMAIL, load_demo
from coachhouse.models import ArticlePage
from course.models import CoursePage
from lessons.models import LessonPage
from tests.browser.conftest import admin_sign_in

pytestmark = [
    pytest.mark.browser,
    # live_server needs committed data; serialized rollback restores Wagtail's root page and
    # default site, which the flush after each transactional test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EDITOR_PASSWORD = "csp-test-password"  # noqa: S105 (a test-only password)
# Records every violation in every frame (the admin's live preview is one), from the start.
RECORD_VIOLATIONS_JS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const seen = JSON.parse(sessionStorage.getItem("csp-violations") || "[]");
  const blocked = event.blockedURI || "inline";
  seen.push(`${event.effectiveDirective} blocked ${blocked} on ${location.pathname}`);
  sessionStorage.setItem("csp-violations", JSON.stringify(seen));
});
"""


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Renditions cached by earlier tests point at files in their own temporary media folders.
    get_image_model().get_rendition_model().cache_backend.clear()
    load_demo(editor_password=EDITOR_PASSWORD)
    course = CoursePage.objects.get()
    return {
        "course": course,
        "lessons": list(course.lessons()),
        "article": ArticlePage.objects.live().first(),
    }


@pytest.fixture
def watched(browser):
    """A fresh browser context whose pages report CSP violations, console errors included."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(RECORD_VIOLATIONS_JS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = []
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and "Content Security Policy" in msg.text
            and console.append(msg.text)
        ),
    )
    page.csp_console = console
    yield page
    context.close()


def violations(page) -> list[str]:
    recorded = page.evaluate("JSON.parse(sessionStorage.getItem('csp-violations') || '[]')")
    return recorded + page.csp_console


def public_paths(demo) -> list[str]:
    return [
        "/",
        demo["article"].url,
        demo["course"].url,
        *(lesson.url for lesson in demo["lessons"][:2]),
        "/accounts/login/",
        "/accounts/signup/",
    ]


def test_public_pages_load_without_a_single_csp_violation(live_server, demo, watched):
    for path in public_paths(demo):
        response = watched.goto(live_server.url + path, wait_until="networkidle")
        assert response.ok, path
        assert "script-src 'self';" in response.headers["content-security-policy"]

    assert violations(watched) == []


def test_structured_data_is_not_script_but_an_inline_script_is_refused(live_server, demo, watched):
    """The course page carries JSON-LD: it is data, so the policy leaves it alone. A script
    someone managed to inject into the same page does not run, and Chromium says why."""
    watched.goto(live_server.url + demo["course"].url, wait_until="networkidle")
    json_ld = watched.locator('script[type="application/ld+json"]')
    expect(json_ld).to_have_count(1)
    assert violations(watched) == []

    watched.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.injectedRan = true";
        document.body.append(script);
    }"""
    )
    watched.wait_for_timeout(200)

    assert watched.evaluate("window.injectedRan") is None
    assert any(v.startswith("script-src-elem blocked inline") for v in violations(watched))


def test_a_json_ld_block_under_the_public_policy_raises_no_violation(live_server, watched):
    """The same check without depending on any template: Chromium itself, our exact header."""
    policy = build_policy(settings.SECURE_CSP)
    body = (
        "<!DOCTYPE html><html lang='en'><head><title>Probe</title>"
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        '"@type": "Course", "name": "Land a job you love"}</script></head>'
        "<body><h1>Probe</h1></body></html>"
    )
    url = live_server.url + "/csp-probe/"
    watched.route(
        url,
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/html", "Content-Security-Policy": policy},
            body=body,
        ),
    )
    watched.goto(url, wait_until="load")
    # The probe names no icon, so Chromium asks the live server for /favicon.ico: that answer
    # (a 404 page, which reads the site's settings) must finish before the database is flushed.
    watched.wait_for_load_state("networkidle")

    assert violations(watched) == []


def sign_in_to_admin(page, live_server) -> None:
    admin_sign_in(page, live_server, EDITOR_EMAIL, EDITOR_PASSWORD)


def test_the_admin_works_under_its_own_policy(live_server, demo, watched):
    """Sign in, open the dashboard, edit an article and a lesson (StreamField, rich text,
    choosers, live preview), upload forms, settings and a report: nothing is blocked."""
    sign_in_to_admin(watched, live_server)
    lesson = LessonPage.objects.live().first()
    site_id = Site.objects.get(is_default_site=True).pk
    admin_paths = [
        "/admin/",
        f"/admin/pages/{demo['article'].pk}/edit/",
        f"/admin/pages/{lesson.pk}/edit/",
        f"/admin/pages/{demo['course'].pk}/",
        "/admin/images/",
        "/admin/images/multiple/add/",
        "/admin/documents/multiple/add/",
        f"/admin/settings/coachhouse/sitesettings/{site_id}/",
        "/admin/course-reports/course-funnel/",
        "/admin/coaching/wait-list/",
    ]
    for path in admin_paths:
        response = watched.goto(live_server.url + path, wait_until="networkidle")
        assert response.ok, path
        assert "'unsafe-inline'" in response.headers["content-security-policy"]

    # The article's editor really runs: its StreamField blocks and the live preview render.
    watched.goto(
        live_server.url + f"/admin/pages/{demo['article'].pk}/edit/", wait_until="networkidle"
    )
    expect(watched.locator("[data-streamfield-stream-container]").first).to_be_visible()
    watched.get_by_role("button", name="Toggle preview").click()
    preview = watched.frame_locator("iframe#w-preview-iframe")
    expect(preview.get_by_role("heading", level=1)).to_have_text(demo["article"].title)

    assert violations(watched) == []


def test_an_editor_signed_in_sees_the_wagtail_userbar_working_on_public_pages(
    live_server, demo, watched
):
    sign_in_to_admin(watched, live_server)

    watched.goto(live_server.url + demo["article"].url, wait_until="networkidle")
    userbar = watched.locator("wagtail-userbar")
    userbar.get_by_role("button", name="View Wagtail quick actions").click()
    expect(userbar.get_by_role("menuitem", name="Edit this page")).to_be_visible()

    assert violations(watched) == []
