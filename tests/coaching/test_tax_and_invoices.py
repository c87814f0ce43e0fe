"""Tax and invoices at Checkout: one setting turns on Stripe Tax (and tax ids), another a paid
invoice; the receipt shows the tax and links to the invoice."""

import urllib.request
from decimal import Decimal
from unittest import mock

import pytest
import stripe
from django.test import Client

from coaching.models import PaymentSettings
from course.models import CourseOrder
from tests.coaching import test_course_payments as course_payments
from tests.coaching.test_payments import start_checkout

buy = course_payments.buy
# A signed-in learner and webhook deliveries, as in the course payment tests.
learner_client = course_payments.learner_client
deliver = course_payments.deliver

TAX_PARAMS = {"automatic_tax", "tax_id_collection", "billing_address_collection"}


@pytest.fixture
def paid_course(course):
    course.price = Decimal("49.00")
    course.save_revision().publish()
    return course


def shop(*, tax: bool, invoices: bool) -> None:
    settings = PaymentSettings.load()
    settings.stripe_tax, settings.create_invoices = tax, invoices
    settings.save()


def checkout_params(stripe_server) -> dict:
    [request] = [r for r in stripe_server.requests if r.path == "/v1/checkout/sessions"]
    return request.params


def receipt(mailoutbox):
    [found] = [m for m in mailoutbox if m.subject.startswith("Your receipt")]
    return found


def test_without_the_settings_checkout_asks_for_neither(stripe_server, learner_client, paid_course):
    buy(learner_client, paid_course)

    params = checkout_params(stripe_server)
    assert not TAX_PARAMS & params.keys()
    assert "invoice_creation" not in params
    assert "tax_behavior" not in params["line_items"][0]["price_data"]


def test_with_stripe_tax_the_price_includes_the_tax_the_receipt_shows(
    stripe_server,
    learner_client,
    paid_course,
    deliver,
    mailoutbox,
):
    shop(tax=True, invoices=False)
    order = buy(learner_client, paid_course)

    deliver(stripe_server.complete(order.stripe_session_id, deliver=False))

    params = checkout_params(stripe_server)
    assert params["automatic_tax"] == {"enabled": "true"}
    assert params["tax_id_collection"] == {"enabled": "true"}
    assert params["billing_address_collection"] == "required"
    assert params["line_items"][0]["price_data"]["tax_behavior"] == "inclusive"
    order.refresh_from_db()
    assert (order.amount_minor, order.amount_tax_minor) == (4900, 817)
    assert "Amount paid: £49.00 (including £8.17 tax)" in receipt(mailoutbox).body


def test_with_invoices_the_receipt_links_to_the_paid_invoice(
    stripe_server,
    learner_client,
    paid_course,
    deliver,
    mailoutbox,
):
    shop(tax=True, invoices=True)
    order = buy(learner_client, paid_course)

    deliver(stripe_server.complete(order.stripe_session_id, deliver=False))

    order.refresh_from_db()
    assert order.invoice_url.startswith(f"{stripe_server.url}/invoice/in_")
    assert f"Your invoice: {order.invoice_url}" in receipt(mailoutbox).body
    with urllib.request.urlopen(order.invoice_url, timeout=10) as response:  # noqa: S310
        assert "Paid: £49.00, including £8.17 tax." in response.read().decode()


def test_an_invoice_stripe_cannot_show_leaves_the_link_out_not_the_learner(
    stripe_server,
    learner_client,
    paid_course,
    deliver,
    mailoutbox,
):
    shop(tax=False, invoices=True)
    order = buy(learner_client, paid_course)
    failing = mock.patch(
        "coachhouse.stripe_client.invoice_retrieve",
        side_effect=stripe.APIConnectionError("Stripe is unreachable"),
    )

    with failing:
        deliver(stripe_server.complete(order.stripe_session_id, deliver=False))

    order.refresh_from_db()
    assert (order.status, order.invoice_url) == (CourseOrder.Status.PAID, "")
    assert "Your invoice" not in receipt(mailoutbox).body


def test_coaching_packages_take_the_same_settings(
    stripe_server, client, invited_entry, package, mailoutbox, django_capture_on_commit_callbacks
):
    shop(tax=True, invoices=True)
    payment = start_checkout(client, invited_entry, package)
    stripe_server.complete(payment.stripe_session_id, deliver=False)

    with django_capture_on_commit_callbacks(execute=True):
        Client().get(f"/waitlist/payment/success/?session_id={payment.stripe_session_id}")

    payment.refresh_from_db()
    assert (payment.status, payment.amount_tax_minor) == ("paid", 7500)
    assert payment.invoice_url
    body = receipt(mailoutbox).body
    assert "Amount paid: £450.00 (including £75.00 tax)" in body
    assert f"Your invoice: {payment.invoice_url}" in body


def test_the_coach_turns_them_on_in_the_admin(admin_client):
    shown = admin_client.get("/admin/settings/coaching/paymentsettings/", follow=True)
    page, url = shown.content.decode(), shown.request["PATH_INFO"]

    response = admin_client.post(url, {"stripe_tax": "on", "create_invoices": "on"})

    assert "Charge tax with Stripe Tax" in page and "Send an invoice with each payment" in page
    assert response.status_code == 302
    settings = PaymentSettings.load()
    assert (settings.stripe_tax, settings.create_invoices) == (True, True)
