"""Fixtures for payments: the local Stripe server, an invited person and a package to buy."""

import pytest

from coaching import services
from tests.factories import CoachingPackageFactory, WaitListEntryFactory
from tests.stripe_server import StripeServer

STRIPE_SECRET_KEY = "sk_test_local"
STRIPE_WEBHOOK_SECRET = "whsec_local"


@pytest.fixture
def stripe_server(settings):
    """The test suite's own Stripe on 127.0.0.1, with the app's settings pointed at it.

    Events stay on the server unless a test sets `stripe_server.webhook_url`.
    """
    server = StripeServer(api_key=STRIPE_SECRET_KEY, webhook_secret=STRIPE_WEBHOOK_SECRET)
    server.start()
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_SECRET_KEY = STRIPE_SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    yield server
    server.stop()


@pytest.fixture
def no_stripe_keys(settings):
    """The site as a coach runs it before setting up Stripe."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_API_BASE = ""


@pytest.fixture
def package(db):
    return CoachingPackageFactory(
        name="Three-session sprint", sessions=3, price_minor=45000, currency="gbp", active=True
    )


@pytest.fixture
def invited_entry(db):
    """Someone invited from the wait list just now (through the service, as the coach does)."""
    entry = WaitListEntryFactory(
        waiting=True, name="Robin Payer", email="robin@example.com", job_search_stage="applying"
    )
    return services.waitlist_invite(entry=entry)
