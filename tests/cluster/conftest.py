"""The cluster the `cluster` tests share, and the figures they print at the end of the run.

tests/conftest.py skips these tests (deselects them under CI) unless PostgreSQL, Redis and
nginx are all there; the cluster is only started for a test that runs.
"""

import time

import pytest
from django.conf import settings
from django.db import connection

from tests.cluster.harness import Cluster

FIGURES = pytest.StashKey[dict[str, list[str]]]()


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    """Two app servers behind nginx, a worker, PostgreSQL, Redis and S3: harness.Cluster."""
    started = Cluster(
        postgres=connection.settings_dict,
        redis_url=settings.REDIS_URL,
        workdir=tmp_path_factory.mktemp("cluster"),
    )
    failed_before = request.session.testsfailed
    began = time.monotonic()
    try:
        try:
            started.start()
        except Exception as error:
            raise RuntimeError(f"The cluster did not start: {error}\n{started.logs()}") from error
        figures(request.config, "the cluster").append(
            f"up in {time.monotonic() - began:.0f} s: the release, the demo content, two web "
            "servers, a worker and nginx"
        )
        yield started
        if request.session.testsfailed > failed_before:
            figures(request.config, "the cluster").append("logs at the end:\n" + started.logs())
    finally:
        started.stop()
        figures(request.config, "the cluster").append(
            f"{time.monotonic() - began:.0f} s from start to stop; its database dropped"
        )


def figures(config, heading: str) -> list[str]:
    return config.stash.setdefault(FIGURES, {}).setdefault(heading, [])


@pytest.fixture
def report(request):
    """Writes a figure to the run's summary ("cluster figures"), under the test's name."""

    def write(line: str) -> None:
        figures(request.config, request.node.name).append(line)

    return write


def pytest_terminal_summary(terminalreporter, config):
    headings = config.stash.get(FIGURES, {})
    if headings:
        terminalreporter.section("cluster figures")
        for heading, lines in headings.items():
            terminalreporter.write_line(heading)
            for line in lines:
                terminalreporter.write_line(f"    {line}")
