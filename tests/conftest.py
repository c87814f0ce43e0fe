"""Shared fixtures: the site tree, and Chromium for the browser tests."""

import os
import shutil

import pytest

from tests.factories import make_site_tree

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def site_tree(db):
    home, course, lessons, index = make_site_tree(lessons=3)
    return {"home": home, "course": course, "lessons": lessons, "index": index}


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
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
