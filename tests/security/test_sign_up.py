"""Sign-up under a double click and a stopwatch (issue 22, findings 2 and 6): a second
submit of the same address sends no second code and lands on the same page, every 429 is the
site's own page, and a known address takes the same work as a new one before the answer."""

import statistics
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.accounts.test_sign_in_codes import (
    CODE,
    CONFIRM,
    code_in,
    sign_up,
    text,
    verified,
)
from tests.concurrency import run_together


# Two requests at the same moment need a database that takes them (SQLite's in-memory test
# database locks the table); the sequential case below runs everywhere.
@pytest.mark.postgres
# Committed data for the threads; serialized rollback restores Wagtail's root page and site.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_clicked_sign_up_sends_one_code_and_both_answers_lead_to_it(mailoutbox):
    first = Client()
    first.get(reverse("account_signup"))
    first.cookies["csrftoken"] = "a" * 32  # the browser's own cookie, sent with both posts
    second = Client()
    second.cookies = first.cookies

    responses = run_together(
        [lambda c=c: sign_up(c, "double.click@example.com") for c in (first, second)]
    )

    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {CONFIRM}
    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]
    # The browser keeps the answer to its second click: its session has the code.
    last = first if responses[0].cookies.get("sessionid") is None else second
    for response in responses:
        if "sessionid" in response.cookies:
            last.cookies["sessionid"] = response.cookies["sessionid"].value
    assert "Check your email" in text(last.get(CONFIRM))
    assert last.post(CONFIRM, {"code": code_in(mailoutbox[0])}).status_code == 302
    assert User.objects.filter(email="double.click@example.com").count() == 1


def test_a_second_submit_just_after_the_first_sends_no_second_code(db, client, mailoutbox):
    client.cookies["csrftoken"] = "b" * 32
    sign_up(client, "twice@example.com")
    response = sign_up(client, "twice@example.com")

    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    assert len(mailoutbox) == 1
    assert client.post(CONFIRM, {"code": code_in(mailoutbox[0])}).status_code == 302


def test_a_rate_limited_page_is_the_sites_own_and_says_how_long_to_wait(db, client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/m/ip"}
    sign_up(client, "one@example.com")
    cache_cleared_client = Client()

    response = sign_up(cache_cleared_client, "two@example.com")

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    page = text(response)
    assert "Please wait a minute" in page
    assert "Too Many Requests" not in page
    assert 'class="site-header' in response.content.decode()


def _sign_up_timed(email: str) -> tuple[float, list[str]]:
    cache.clear()
    client = Client()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse("account_signup"), {"email": email})
    elapsed = time.perf_counter() - started
    return elapsed, [q["sql"] for q in queries.captured_queries]


def test_a_known_and_a_new_address_do_the_same_work_before_the_answer(db, mailoutbox):
    verified("known@example.com")
    _sign_up_timed("known@example.com"), _sign_up_timed("warm@example.com")  # templates, caches
    known, new = [], []
    for n in range(9):  # interleaved, so a busy moment of the machine slows both alike
        known.append(_sign_up_timed("known@example.com"))
        new.append(_sign_up_timed(f"new{n}@example.com"))

    # Both try to create the account (the unique constraint refuses the known one) and
    # both send one code email.
    for _, queries in (known[-1], new[-1]):
        assert any(q.startswith('INSERT INTO "accounts_user"') for q in queries), queries
    assert len(mailoutbox) == 20
    assert all(CODE.search(message.body) for message in mailoutbox)
    ratio = statistics.median(t for t, _ in new) / statistics.median(t for t, _ in known)
    assert 0.6 < ratio < 1.6, f"new/known sign-up time {ratio:.2f}"
