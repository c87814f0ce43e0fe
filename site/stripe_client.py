"""The one place that talks to Stripe, through the official library's StripeClient."""

import json
import time
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Checkout Sessions are created and read with this API version, whatever the account default.
API_VERSION = "2026-10-28.endive"
TIMEOUT_RETRIES = 2
# The address every live or test Checkout Session URL starts with.
CHECKOUT_ORIGIN = "https://checkout.stripe.com"
# Seconds a webhook's signed timestamp may differ from our clock, either way (Stripe's default).
WEBHOOK_TOLERANCE = 300
# Longest ids and event types we store (StripeEvent's columns).
MAX_ID_LENGTH = 255
MAX_TYPE_LENGTH = 100


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
    allow_promotion_codes: bool = False,
    automatic_tax: bool = False,
    create_invoice: bool = False,
):
    """A one-off payment Checkout Session, the price sent inline as `price_data`.

    `allow_promotion_codes`: Checkout takes the promotion codes made in Stripe's dashboard.
    `automatic_tax`: Stripe Tax works out the tax from the buyer's address (asked for), included
    in the price, and a business may give its tax id. `create_invoice`: a paid invoice for it.
    """
    extra = {}
    if allow_promotion_codes:
        extra["allow_promotion_codes"] = True
    if automatic_tax:
        extra["automatic_tax"] = {"enabled": True}
        extra["tax_id_collection"] = {"enabled": True}
        extra["billing_address_collection"] = "required"
    if create_invoice:
        extra["invoice_creation"] = {"enabled": True}
    return client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            **extra,
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
                        **({"tax_behavior": "inclusive"} if automatic_tax else {}),
                        "product_data": {"name": product_name, "description": description},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"idempotency_key": idempotency_key},
    )


# Why a refund is made, as Stripe names the reasons it takes.
REFUND_REASONS = {
    "requested_by_customer": "Asked for by the customer",
    "duplicate": "Paid twice",
    "fraudulent": "Fraudulent",
}


def refund_create(
    *, payment_intent_id: str, amount_minor: int, reason: str, note: str, idempotency_key: str
):
    """Refund `amount_minor` of a payment; Stripe then sends `charge.refunded`."""
    return client().v1.refunds.create(
        params={
            "payment_intent": payment_intent_id,
            "amount": amount_minor,
            "reason": reason,
            "metadata": {"note": note[:500]} if note else {},
        },
        options={"idempotency_key": idempotency_key},
    )


def invoice_retrieve(invoice_id: str):
    return client().v1.invoices.retrieve(invoice_id)


def checkout_session_retrieve(session_id: str):
    return client().v1.checkout.sessions.retrieve(session_id)


def checkout_session_expire(session_id: str):
    return client().v1.checkout.sessions.expire(session_id)


class MalformedEvent(ValueError):
    """Signed with our secret, but not an event envelope: no id, type or data object."""


def webhook_event(payload: bytes, signature: str):
    """Verify the signature over the raw body and parse the event; raises on a bad one.

    Refuses a timestamp outside the tolerance in either direction: the stripe library only
    refuses old ones, and a header signed for the future could be replayed until then.
    """
    if not is_configured():
        raise PaymentsNotConfigured("Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.")
    secret = settings.STRIPE_WEBHOOK_SECRET
    stripe.WebhookSignature.verify_header(payload, signature, secret, WEBHOOK_TOLERANCE)
    if abs(time.time() - _signed_at(signature)) > WEBHOOK_TOLERANCE:
        raise stripe.SignatureVerificationError(
            "Timestamp outside the tolerance zone.", signature, payload
        )
    body = json.loads(payload)
    data = body.get("data") if isinstance(body, dict) else None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("object"), dict)
        and _is_short_text(body.get("id"), MAX_ID_LENGTH)
        and _is_short_text(body.get("type"), MAX_TYPE_LENGTH)
    ):
        raise MalformedEvent("The event has no id, type or data object.")
    return stripe.Webhook.construct_event(payload, signature, secret, WEBHOOK_TOLERANCE)


def _signed_at(signature: str) -> int:
    """The `t=` timestamp of a header that verify_header has already accepted."""
    for item in signature.split(","):
        name, _, value = item.partition("=")
        if name.strip() == "t":
            return int(value)
    raise stripe.SignatureVerificationError("No timestamp in the signature.", signature)


def _is_short_text(value, max_length: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= max_length


def dashboard_url(payment_intent_id: str) -> str:
    mode = "test/" if settings.STRIPE_SECRET_KEY.startswith("sk_test") else ""
    return f"https://dashboard.stripe.com/{mode}payments/{payment_intent_id}"
