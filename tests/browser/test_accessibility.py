"""axe-core on the pages of the main path: no serious or critical accessibility violations."""

import re
from pathlib import Path

import pytest

from coachhouse.demo.loader import load_demo
from coachhouse.models import ArticlePage
from course.models import CoursePage
from tests.browser.test_learner_path import (
    ARTICLE_SLUG,
    DESKTOP,
    TIMEOUT_MS,
    emailed_code,
    sign_up_from_article,
)

# Playwright's sync API runs an event loop in this thread; the test's own database calls would
# otherwise raise SynchronousOnlyOperation.

pytestmark = [
    pytest.mark.browser,
    # live_server needs committed data; serialized rollback restores Wagtail's root page and
    # default site, which the flush after each transactional test removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser_context_args(viewport=DESKTOP),
]

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def demo(settings, tmp_path):
    """The demo site; see test_learner_path.demo."""
    settings.MEDIA_ROOT = tmp_path
    load_demo()
    course = CoursePage.objects.get()
    return {
        "article": ArticlePage.objects.get(slug=ARTICLE_SLUG),
        "course": course,
        "lessons": list(course.lessons()),
    }


def axe_violations(page) -> list[dict]:
    # Evaluated by the test driver, not added as a <script>: the site's CSP (rightly) refuses
    # inline scripts, and add_script_tag inlines the file.
    page.evaluate(AXE_JS.read_text())
    results = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return results["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            lines += [f"      {line.strip()}" for line in node["failureSummary"].splitlines()[1:]]
    return "\n".join(lines)


def open_article(page, live_server, demo):
    page.goto(live_server.url + demo["article"].url)


def open_course(page, live_server, demo):
    page.goto(live_server.url + demo["course"].url)


def open_lesson_teaser(page, live_server, demo):
    """A lesson that is not a free preview, as an anonymous reader sees it."""
    lesson = next(lesson for lesson in demo["lessons"] if not lesson.free_preview)
    page.goto(live_server.url + lesson.url)
    page.get_by_role("link", name="Unlock the free course").first.wait_for()


def open_start(page, live_server, demo):
    course, article = demo["course"], demo["article"]
    page.goto(f"{live_server.url}/learn/{course.pk}/start/?source={article.pk}")
    page.get_by_label("Your email address").wait_for()


def open_code_page(page, live_server, demo):
    open_start(page, live_server, demo)
    page.get_by_label("Your email address").fill("axe@example.com")
    page.get_by_role("button", name="Unlock the free course").click()
    page.get_by_label("Code").wait_for()
    assert emailed_code("axe@example.com", "Your code to get started")


def open_enrolled_lesson(page, live_server, demo):
    """Lesson 1, where a new learner lands after confirming the code."""
    sign_up_from_article(page, live_server, demo, "axe@example.com")
    page.get_by_role("button", name="Mark complete").wait_for()


def open_completed_lesson(page, live_server, demo):
    """Lesson 1 after "Mark complete" has redrawn the progress section."""
    open_enrolled_lesson(page, live_server, demo)
    page.get_by_role("button", name="Mark complete").click()
    page.get_by_role("link", name=re.compile(r"Continue to lesson \d+")).wait_for()


def open_dashboard(page, live_server, demo):
    sign_up_from_article(page, live_server, demo, "axe@example.com")
    page.goto(live_server.url + "/my/")
    page.get_by_role("heading", name="My courses").wait_for()


PAGES = [
    pytest.param(open_article, id="article"),
    pytest.param(open_course, id="course"),
    pytest.param(open_lesson_teaser, id="lesson-teaser"),
    pytest.param(open_start, id="start"),
    pytest.param(open_code_page, id="code"),
    pytest.param(open_enrolled_lesson, id="lesson-enrolled"),
    pytest.param(open_completed_lesson, id="lesson-completed"),
    pytest.param(open_dashboard, id="dashboard"),
]


@pytest.mark.parametrize("arrive", PAGES)
def test_page_has_no_serious_accessibility_violations(live_server, demo, page, arrive):
    page.set_default_timeout(TIMEOUT_MS)
    arrive(page, live_server, demo)
    url = page.url
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core found on {url}:\n{describe(blocking)}"
