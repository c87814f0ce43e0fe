"""The one place that talks to Stripe, through the official library's StripeClient."""

from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Checkout Sessions are created and read with this API version, whatever the account default.
API_VERSION = "2026-10-28.endive"
TIMEOUT_RETRIES = 2
# The address every live or test Checkout Session URL starts with.
CHECKOUT_ORIGIN = "https://checkout.stripe.com"


class PaymentsNotConfigured(ImproperlyConfigured):
    """STRIPE_SECRET_KEY is empty: the site cannot take payments."""


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def checkout_origin() -> str:
    """Where Checkout Sessions send the payer: Stripe's Checkout, or the STRIPE_API_BASE server."""
    if settings.STRIPE_API_BASE:
        parts = urlsplit(settings.STRIPE_API_BASE)
        return f"{parts.scheme}://{parts.netloc}"
    return CHECKOUT_ORIGIN


def client() -> stripe.StripeClient:
    if not is_configured():
        raise PaymentsNotConfigured("Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.")
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=API_VERSION,
        base_addresses=base,
        max_network_retries=TIMEOUT_RETRIES,
    )


def checkout_session_create(
    *,
    email: str,
    product_name: str,
    description: str,
    amount_minor: int,
    currency: str,
    client_reference_id: str,
    metadata: dict[str, str],
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
):
    """A one-off payment Checkout Session, the price sent inline as `price_data`."""
    return client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "customer_email": email,
            "client_reference_id": client_reference_id,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": amount_minor,
                        "product_data": {"name": product_name, "description": description},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"idempotency_key": idempotency_key},
    )


def checkout_session_retrieve(session_id: str):
    return client().v1.checkout.sessions.retrieve(session_id)


def checkout_session_expire(session_id: str):
    return client().v1.checkout.sessions.expire(session_id)


def webhook_event(payload: bytes, signature: str):
    """Verify the signature over the raw body and parse the event; raises on a bad one."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)


def dashboard_url(payment_intent_id: str) -> str:
    mode = "test/" if settings.STRIPE_SECRET_KEY.startswith("sk_test") else ""
    return f"https://dashboard.stripe.com/{mode}payments/{payment_intent_id}"
