"""Rate limits count visitors by an address they cannot forge."""

import pytest
from django.test import RequestFactory

from coachhouse.client_ip import client_ip
from tests.factories import WaitListPageFactory


def request_from(remote_addr: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_visitor_claims(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    # The visitor sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address.
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("10.0.0.2", "203.0.113.7")) == "203.0.113.7"


def test_a_request_that_bypassed_the_proxies_falls_back_to_the_socket_address(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def join(client, page, n: int, **headers):
    return client.post(
        page.url,
        {
            "name": "Ada",
            "email": f"ada{n}@example.com",
            "job_search_stage": "applying",
            "goals": "A plan.",
        },
        **headers,
    )


@pytest.fixture
def waitlist_page(site_tree):
    return WaitListPageFactory(parent=site_tree["home"])


def test_rotating_x_forwarded_for_does_not_reset_the_wait_list_limit(
    client, settings, waitlist_page
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    statuses = [
        join(client, waitlist_page, n, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(11)
    ]

    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429


def test_behind_a_proxy_each_visitor_has_their_own_wait_list_limit(client, settings, waitlist_page):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        assert join(client, waitlist_page, n, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 302

    assert join(client, waitlist_page, 10, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert join(client, waitlist_page, 11, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302
