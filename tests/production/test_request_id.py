"""Every response names its request, and so does every log line written while answering it."""

import logging

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from coachhouse.request_id import RequestIdFilter

logger = logging.getLogger("coachhouse.tests")


def logs_a_line(request):
    logger.warning("the coach's export took long")
    return HttpResponse("ok")


urlpatterns = [path("log-a-line/", logs_a_line), path("", include("coachhouse.urls"))]


@pytest.fixture
def lines(caplog):
    handler_filter = RequestIdFilter()
    caplog.handler.addFilter(handler_filter)
    yield caplog
    caplog.handler.removeFilter(handler_filter)


@override_settings(ROOT_URLCONF=__name__)
def test_a_log_line_carries_the_id_the_response_gives(lines):
    response = Client().get("/log-a-line/")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [record] = [r for r in lines.records if r.getMessage() == "the coach's export took long"]
    assert record.request_id == request_id


@override_settings(ROOT_URLCONF=__name__)
def test_the_proxys_id_is_kept_and_a_forged_one_replaced(lines):
    kept = Client().get("/log-a-line/", HTTP_X_REQUEST_ID="edge-7f3a9c2e41")
    forged = Client().get("/log-a-line/", HTTP_X_REQUEST_ID="x\n2026-12-06 ERROR forged")

    assert kept["X-Request-ID"] == "edge-7f3a9c2e41"
    assert "\n" not in forged["X-Request-ID"]
    assert forged["X-Request-ID"] != "x\n2026-12-06 ERROR forged"
    ids = [r.request_id for r in lines.records if r.name == "coachhouse.tests"]
    assert ids == ["edge-7f3a9c2e41", forged["X-Request-ID"]]


def test_a_line_outside_any_request_says_so(lines):
    logger.warning("the nightly job started")

    assert lines.records[-1].request_id == "-"
