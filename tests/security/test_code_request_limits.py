"""Finding 3 of issue 22 (learners): a stranger asking for codes for a learner's address
neither keeps the learner out nor floods their inbox.

Three code requests a minute for an address, from anywhere, blocked the learner's own
requests and mailed them each time, for as long as the stranger kept going.
"""

import re
import time
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.conftest import signed_in_user_id, verified_user

CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
MAX_CODES_PER_HOUR = 6
ALLAUTH_CLOCK = "allauth.core.internal.ratelimit.time.time"


@pytest.fixture
def learner(db):
    return verified_user("learner.target@example.com")


def ask_for_code(client, email, address):
    return client.post(reverse("account_login"), {"login": email}, REMOTE_ADDR=address)


def codes_to(mailoutbox, email):
    return [m for m in mailoutbox if email in m.to]


def test_a_learner_finishes_with_the_code_already_sent_while_a_stranger_asks_for_more(
    learner, mailoutbox
):
    own = Client()
    assert ask_for_code(own, learner.email, "192.0.2.1").status_code == 302
    code = CODE.search(codes_to(mailoutbox, learner.email)[-1].body)[0]

    for n in range(20):
        ask_for_code(Client(), learner.email, f"203.0.113.{n + 1}")
    ask_for_code(own, learner.email, "192.0.2.1")  # refused, or another code: either way

    own.post(reverse("account_confirm_login_code"), {"code": code})
    assert signed_in_user_id(own) == str(learner.pk)


def test_an_address_is_never_mailed_more_than_a_few_codes_an_hour(learner, mailoutbox):
    """A stranger asking three times a minute, every minute for an hour (the clock allauth's
    limits read is moved on a minute at a time)."""
    start = time.time()
    for minute in range(60):
        with mock.patch(ALLAUTH_CLOCK, return_value=start + 60 * minute):
            for n in range(3):
                ask_for_code(Client(), learner.email, f"203.0.113.{(minute * 3 + n) % 250 + 1}")

    assert len(codes_to(mailoutbox, learner.email)) <= MAX_CODES_PER_HOUR
