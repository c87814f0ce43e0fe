"""Every demo page, in Chromium on a desktop and a phone: sound markup that loads cleanly."""

import pytest
from wagtail.images import get_image_model

from coachhouse.demo.loader import load_demo
from coachhouse.models import ArticleIndexPage, ArticlePage
from course.models import CoursePage

pytestmark = [
    pytest.mark.browser,
    # live_server needs committed data; serialized rollback restores Wagtail's root page and
    # default site, which the flush after each transactional test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}

# Computes an accessible name the way assistive technology does, for the markup this site
# uses: aria-labelledby, aria-label, then text content (skipping aria-hidden parts, counting
# image alt text), then title.
UNNAMED_CONTROLS_JS = """
() => {
  const textOf = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node.nodeType !== Node.ELEMENT_NODE) return "";
    if (node.getAttribute("aria-hidden") === "true") return "";
    if (node.getAttribute("aria-label")) return node.getAttribute("aria-label");
    if (node.tagName === "IMG") return node.getAttribute("alt") || "";
    return Array.from(node.childNodes).map(textOf).join(" ");
  };
  const nameOf = (el) => {
    const labelledBy = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    if (labelledBy.length) {
      return labelledBy.map((id) => document.getElementById(id)?.textContent || "").join(" ");
    }
    return el.getAttribute("aria-label") || textOf(el) || el.getAttribute("title")
      || (el.tagName === "INPUT" ? el.value : "");
  };
  const controls = document.querySelectorAll(
    'a[href], button, [role="button"], input[type="submit"], input[type="button"]'
  );
  return Array.from(controls)
    .filter((el) => !nameOf(el).trim())
    .map((el) => el.outerHTML.slice(0, 160));
}
"""

PAGE_FACTS_JS = """
() => ({
  h1Count: document.querySelectorAll("h1").length,
  lang: document.documentElement.getAttribute("lang") || "",
  imagesWithoutAlt: Array.from(document.images)
    .filter((img) => !(img.getAttribute("alt") || "").trim())
    .map((img) => img.getAttribute("src")),
  brokenImages: Array.from(document.images)
    .filter((img) => img.naturalWidth === 0)
    .map((img) => img.getAttribute("src")),
  overflowPx: document.documentElement.scrollWidth - window.innerWidth,
})
"""

LOAD_EVERY_IMAGE_JS = """
async () => {
  for (const img of document.images) img.loading = "eager";
  await Promise.all(Array.from(document.images).map((img) => img.decode().catch(() => null)));
}
"""


@pytest.fixture
def demo_paths(settings, tmp_path) -> list[str]:
    """The path of every page in the demo site: home, articles, the course and its lessons."""
    settings.MEDIA_ROOT = tmp_path
    # Renditions cached by earlier tests point at files in their own temporary media folders.
    get_image_model().get_rendition_model().cache_backend.clear()
    load_demo()
    index = ArticleIndexPage.objects.get()
    course = CoursePage.objects.get()
    articles = ArticlePage.objects.child_of(index).live().order_by("-date")
    return [
        "/",
        index.url,
        *(article.url for article in articles),
        course.url,
        *(lesson.url for lesson in course.lessons()),
    ]


@pytest.fixture(params=VIEWPORTS, ids=VIEWPORTS.keys())
def viewport_page(request, browser):
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    yield context.new_page()
    context.close()


def visit(page, url: str) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    page.evaluate(LOAD_EVERY_IMAGE_JS)


def assert_no_problems(problems: dict[str, list[str]]) -> None:
    found = {path: issues for path, issues in problems.items() if issues}
    report = "\n".join(f"{path}:\n  " + "\n  ".join(issues) for path, issues in found.items())
    assert not found, f"\n{report}"


def test_every_demo_page_has_one_h1_a_language_alt_text_and_named_controls(
    live_server, demo_paths, viewport_page
):
    page = viewport_page
    problems = {}
    for path in demo_paths:
        visit(page, live_server.url + path)
        facts = page.evaluate(PAGE_FACTS_JS)
        issues = problems[path] = []
        if facts["h1Count"] != 1:
            issues.append(f"{facts['h1Count']} h1 elements, expected exactly one")
        if not facts["lang"].strip():
            issues.append("<html> has no lang")
        issues += [f"image without alt text: {src}" for src in facts["imagesWithoutAlt"]]
        issues += [f"broken image: {src}" for src in facts["brokenImages"]]
        issues += [f"control without a name: {html}" for html in page.evaluate(UNNAMED_CONTROLS_JS)]
        if facts["overflowPx"] > 0:
            issues.append(f"scrolls sideways by {facts['overflowPx']}px")
    assert_no_problems(problems)


def test_every_demo_page_loads_without_console_errors_or_failed_requests(
    live_server, demo_paths, viewport_page
):
    page = viewport_page
    problems = {path: [] for path in demo_paths}
    current = {"path": None}

    def record(issue: str) -> None:
        problems[current["path"]].append(issue)

    page.on("console", lambda msg: msg.type == "error" and record(f"console error: {msg.text}"))
    page.on("pageerror", lambda error: record(f"script error: {error}"))
    page.on("requestfailed", lambda req: record(f"request failed: {req.url} ({req.failure})"))
    page.on(
        "response",
        lambda resp: resp.status >= 400 and record(f"HTTP {resp.status}: {resp.url}"),
    )

    for path in demo_paths:
        current["path"] = path
        visit(page, live_server.url + path)
        # Late requests (the favicon) must finish here, or the next visit aborts them.
        page.wait_for_load_state("networkidle")
    assert_no_problems(problems)
