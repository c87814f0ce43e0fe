"""Browser tests: Debian's Chromium driven by Playwright, against pytest-django's live server."""

import asyncio
import contextlib
import functools
import os
import shutil

import pytest
from django.db import connections

from coachhouse.demo import artwork

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# The demo's pictures and worksheet, drawn once for all the browser tests.
_cover_png = functools.cache(artwork.cover_png)
_draw_worksheet = artwork.worksheet_pdf


@functools.cache
def _worksheet_pdf(title: str, prompts: tuple[str, ...]) -> bytes:
    return _draw_worksheet(title, list(prompts))


@pytest.fixture(autouse=True)
def demo_artwork_drawn_once(monkeypatch):
    """Each browser test loads the demo site afresh, and drawing its five 1600x900 covers and
    the worksheet (then compressing them) took over half a second of every load. The drawings
    depend on nothing but their titles (their randomness is seeded with the title), so each
    test still gets the very same files; they are only not drawn again."""
    monkeypatch.setattr(artwork, "cover_png", _cover_png)
    monkeypatch.setattr(
        artwork, "worksheet_pdf", lambda title, prompts: _worksheet_pdf(title, tuple(prompts))
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        message = (
            "Chromium is missing: install it with `apt-get install -y chromium` (.ci/run does)."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # Without the background-networking flags Chromium tries hosts it cannot reach.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser(browser):
    """pytest-playwright's browser, with the database usable from the test thread beside it.

    Playwright stays running for the rest of the session, so this lasts until the end: later
    tests in other folders run while its event loop is marked as running, too.
    """
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API marks an event loop as running in the test thread, and Django
        # refuses synchronous database calls from such a thread unless told otherwise.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with thread_database_connections():
            yield browser


@contextlib.contextmanager
def thread_database_connections():
    """Give the test thread one set of database connections while Playwright's loop "runs".

    Between calls, Playwright's sync API leaves its event loop marked as running in this
    thread. Django then refuses synchronous queries (hence DJANGO_ALLOW_ASYNC_UNSAFE) and hands
    the thread a second, "async" set of connections. pytest-django keeps its snapshot for
    serialized rollback (Wagtail's root page, collection, locale and default site) on the set
    that was current when it created the test database; on the other set, the flush after a
    transactional test is followed by no restore at all. This puts the thread's own set in
    both places (or the "async" set, if only that one holds the snapshot), and must run
    before the test database is created when that happens after Chromium starts.
    """
    loop_connections = {alias: connections[alias] for alias in connections}
    loop = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        thread_connections = {alias: connections[alias] for alias in connections}
    finally:
        asyncio._set_running_loop(loop)
    for alias, connection in thread_connections.items():
        loop_connection = loop_connections[alias]
        if _has_snapshot(loop_connection) and not _has_snapshot(connection):
            connection = loop_connection
        connections[alias] = connection
    try:
        yield
    finally:
        for alias, connection in loop_connections.items():
            connections[alias] = connection


def _has_snapshot(connection) -> bool:
    return hasattr(connection, "_test_serialized_contents")


def admin_sign_in(page, live_server, email: str, password: str) -> None:
    """Sign in to the Wagtail admin as a newcomer does: password, then (the first time)
    setting up an authenticator app from the page's key, then the recovery codes."""
    from playwright.sync_api import expect

    from tests.factories import totp_code

    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Protect your admin account")
    secret = page.locator(".secret-key").inner_text()
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keep these recovery codes")
    page.get_by_role("link", name="I’ve kept them: continue to the admin").click()
    expect(page).to_have_url(live_server.url + "/admin/")
