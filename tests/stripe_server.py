"""A small Stripe for the test suite: Checkout Sessions over real HTTP on 127.0.0.1.

The app talks to it through the official `stripe` library (`STRIPE_API_BASE` points here), so
the library's own request encoding, headers, retries and error classes are exercised. It
answers the endpoints the app calls, with Stripe's response shapes:

    POST /v1/checkout/sessions               create (form-encoded bracket params; honours
                                             the Idempotency-Key header like Stripe does)
    GET  /v1/checkout/sessions/{id}          retrieve
    POST /v1/checkout/sessions/{id}/expire   expire an open session
    POST /v1/refunds                         refund (part of) a payment intent's charge;
                                             sends `charge.refunded`
    GET  /v1/invoices/{id}                   the paid invoice of a Checkout made with
                                             `invoice_creation` (its page: GET /invoice/{id})

With `automatic_tax`, tax stands in as one rate (TAX_RATE_PERCENT, included in the price).

and a test payment page, standing in for Stripe's hosted Checkout:

    GET  /pay/{id}    the amount, a "Pay" button, a "Cancel" link to the cancel_url, and a
                      promotion code box when the session has `allow_promotion_codes`
    POST /pay/{id}    takes off the promotion code typed (400 for one it does not know),
                      marks the session paid (or `no_payment_required` when the code covers
                      it all), delivers `checkout.session.completed` to the webhook URL (if
                      one is set), then 303s to the success_url

Events are signed with the `stripe` library's own signing code
(`stripe.WebhookSignature.generate_signature_header`), so the app verifies them exactly as it
verifies Stripe's. Tests drive the rest from Python: `create_promotion_code` (a coupon and its
code, as made in the dashboard), `complete` (with a `promotion_code`), `async_payment_succeeded`,
`async_payment_failed`, `refund`, `expire`, `event_for`, `sign` and `deliver`.
"""

import html
import http.client
import json
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import stripe

API_VERSION = "2026-10-28.endive"
MAX_BODY_BYTES = 1024 * 1024
SESSION_LIFETIME = 24 * 3600
CURRENCY_SYMBOLS = {"gbp": "£", "eur": "€", "usd": "$"}
SESSION_PATH = re.compile(r"^/v1/checkout/sessions/(?P<id>[A-Za-z0-9_]+)(?P<expire>/expire)?$")
PAY_PATH = re.compile(r"^/pay/(?P<id>[A-Za-z0-9_]+)$")
INVOICE_PATH = re.compile(r"^/v1/invoices/(?P<id>[A-Za-z0-9_]+)$")
HOSTED_INVOICE_PATH = re.compile(r"^/invoice/(?P<id>[A-Za-z0-9_]+)$")
# Stripe Tax stands in as one rate for every address: VAT at 20%, included in the price.
TAX_RATE_PERCENT = 20


class StripeError(Exception):
    """An error answered the way Stripe answers it: a status and an `error` object."""

    def __init__(self, status: int, message: str, *, type_="invalid_request_error", **extra):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **extra}}


@dataclass
class RecordedRequest:
    """One API request as the server saw it: for asserting what the client really sent."""

    method: str
    path: str
    headers: dict[str, str]
    params: dict


@dataclass
class Delivery:
    event_id: str
    event_type: str
    status: int
    body: str = ""


@dataclass
class _Idempotent:
    fingerprint: str
    status: int
    body: dict


@dataclass
class _State:
    sessions: dict[str, dict] = field(default_factory=dict)
    charges: dict[str, dict] = field(default_factory=dict)
    idempotency: dict[str, _Idempotent] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    # Promotion codes as a coach makes them in the dashboard, by the code customers type.
    promotion_codes: dict[str, dict] = field(default_factory=dict)
    refunds: list[dict] = field(default_factory=list)
    invoices: dict[str, dict] = field(default_factory=dict)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def parse_form(body: str) -> dict:
    """Stripe's form encoding, `a[b][0][c]=v`, back into nested dicts and lists."""
    root: dict = {}
    for key, value in urllib.parse.parse_qsl(body, keep_blank_values=True, strict_parsing=False):
        match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        if match is None:
            raise StripeError(400, f"Invalid parameter name: {key}", param=key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise StripeError(400, f"Invalid parameter: {key}", param=key)
            node = child
        if isinstance(node.get(parts[-1]), dict):
            raise StripeError(400, f"Invalid parameter: {key}", param=key)
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    """Dicts keyed 0..n-1 were arrays."""
    if not isinstance(node, dict):
        return node
    node = {key: _lists(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        indexes = sorted(int(key) for key in node)
        if indexes == list(range(len(indexes))):
            return [node[str(index)] for index in indexes]
    return node


def _integer(value, param: str, *, minimum: int) -> int:
    if not isinstance(value, str) or not value.isdigit() or int(value) < minimum:
        raise StripeError(400, f"Invalid integer: {value!r}", param=param)
    return int(value)


def _required(params: dict, name: str, param: str | None = None) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise StripeError(400, f"Missing required param: {param or name}.", param=param or name)
    return value


class StripeServer:
    """A threaded HTTP server on 127.0.0.1 with an ephemeral port; start() and stop() it."""

    def __init__(
        self,
        *,
        api_key: str = "sk_test_local",
        webhook_secret: str = "whsec_local",  # noqa: S107 (a test-only secret)
        webhook_url: str | None = None,
        port: int = 0,
    ):
        self.api_key = api_key
        self.port = port  # 0: any free port
        self.webhook_secret = webhook_secret
        # Where events go over HTTP; None keeps them in `events` only (tests then deliver them
        # themselves, for instance through Django's test client).
        self.webhook_url = webhook_url
        self._lock = threading.RLock()
        self._state = _State()
        self._httpd: ThreadingHTTPServer | None = None
        self._background: list[threading.Thread] = []
        self._thread: threading.Thread | None = None

    # Running the server -------------------------------------------------------------------

    def start(self) -> "StripeServer":
        handler = type("Handler", (_Handler,), {"stripe": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="stripe-test-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.wait_for_deliveries()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = self._thread = None

    def __enter__(self) -> "StripeServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API base, for `STRIPE_API_BASE`."""
        if self._httpd is None:
            raise RuntimeError("The Stripe test server is not running.")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # What happened ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._state.requests)

    @property
    def events(self) -> list[dict]:
        with self._lock:
            return list(self._state.events)

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._state.deliveries)

    @property
    def sessions(self) -> dict[str, dict]:
        with self._lock:
            return {
                key: json.loads(json.dumps(value)) for key, value in self._state.sessions.items()
            }

    @property
    def refunds(self) -> list[dict]:
        """Every refund made through the API (POST /v1/refunds), oldest first."""
        with self._lock:
            return json.loads(json.dumps(self._state.refunds))

    def session(self, session_id: str) -> dict:
        """A copy of the session as the API would return it."""
        with self._lock:
            return json.loads(json.dumps(self._get_session(session_id)))

    # The API ------------------------------------------------------------------------------

    def api(self, method: str, path: str, headers: dict[str, str], body: str) -> tuple[int, dict]:
        """Answer one `/v1/` request: (status, JSON body)."""
        params = parse_form(body) if method == "POST" else {}
        with self._lock:
            self._state.requests.append(RecordedRequest(method, path, headers, params))
        auth = headers.get("authorization", "")
        if auth != f"Bearer {self.api_key}":
            given = auth.removeprefix("Bearer ")
            shown = (given[:8] + "*" * 8) if given else "none"
            raise StripeError(401, f"Invalid API Key provided: {shown}")
        key = headers.get("idempotency-key") if method == "POST" else None
        with self._lock:
            # One lock for the whole request: concurrent requests with one key get one result.
            if key:
                fingerprint = json.dumps([path, params], sort_keys=True)
                saved = self._state.idempotency.get(key)
                if saved is not None:
                    if saved.fingerprint != fingerprint:
                        raise StripeError(
                            400,
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{key}' if you meant to execute a different request.",
                            type_="idempotency_error",
                        )
                    return saved.status, saved.body
            status, result, event = self._route(method, path, params)
            # A snapshot: a replay answers what was answered then, as Stripe's does.
            result = json.loads(json.dumps(result))
            if key:
                self._state.idempotency[key] = _Idempotent(fingerprint, status, result)
        if event is not None and self.webhook_url:
            # Stripe sends events in the background, never inside the API call: the caller may
            # hold a database lock the webhook handler needs.
            thread = threading.Thread(target=self.deliver, args=event, daemon=True)
            with self._lock:
                self._background.append(thread)
            thread.start()
        return status, result

    def wait_for_deliveries(self, timeout: float = 10) -> None:
        """Wait for the events that API calls sent in the background."""
        with self._lock:
            threads, self._background = self._background, []
        for thread in threads:
            thread.join(timeout)

    def _route(self, method: str, path: str, params: dict):
        """(status, JSON body, signed event to deliver or None)."""
        if path == "/v1/checkout/sessions" and method == "POST":
            return 200, self._create_session(params), None
        match = SESSION_PATH.match(path)
        if match and method == "GET" and not match["expire"]:
            return 200, self._get_session(match["id"]), None
        if match and method == "POST" and match["expire"]:
            session = self._get_session(match["id"])
            if session["status"] != "open":
                raise StripeError(
                    400,
                    "Only Checkout Sessions with a status of `open` can be expired.",
                    code="checkout_session_not_open",
                )
            self._set_expired(session)
            return 200, session, self._record("checkout.session.expired", session)
        invoice = INVOICE_PATH.match(path)
        if invoice and method == "GET":
            found = self._state.invoices.get(invoice["id"])
            if found is None:
                raise StripeError(
                    404, f"No such invoice: '{invoice['id']}'", code="resource_missing"
                )
            return 200, found, None
        if path == "/v1/refunds" and method == "POST":
            return self._create_refund(params)
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _create_refund(self, params: dict):
        """POST /v1/refunds for a payment intent: the refund, and `charge.refunded` to send."""
        payment_intent = _required(params, "payment_intent")
        session_id = next(
            (
                key
                for key, session in self._state.sessions.items()
                if session["payment_intent"] == payment_intent
            ),
            None,
        )
        if session_id is None:
            raise StripeError(
                404,
                f"No such payment_intent: '{payment_intent}'",
                code="resource_missing",
                param="payment_intent",
            )
        reason = params.get("reason") or None
        if reason not in (None, "duplicate", "fraudulent", "requested_by_customer"):
            raise StripeError(400, f"Invalid reason: {reason}", param="reason")
        amount = params.get("amount")
        amount = None if amount is None else _integer(amount, "amount", minimum=1)
        try:
            charge = self._refund_charge(session_id, amount)
        except ValueError as error:
            raise StripeError(
                400, str(error), code="charge_already_refunded", param="amount"
            ) from None
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": charge["last_refund"],
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "metadata": params.get("metadata") or {},
            "payment_intent": payment_intent,
            "reason": reason,
            "status": "succeeded",
        }
        self._state.refunds.append(refund)
        public = {key: value for key, value in charge.items() if key != "last_refund"}
        return 200, refund, self._record("charge.refunded", public)

    def _create_session(self, params: dict) -> dict:
        mode = _required(params, "mode")
        if mode != "payment":
            raise StripeError(400, f"This test server only supports mode=payment, not {mode}.")
        success_url = _required(params, "success_url")
        cancel_url = params.get("cancel_url") or None
        for name, url in (("success_url", success_url), ("cancel_url", cancel_url)):
            if url and not url.startswith(("http://", "https://")):
                raise StripeError(400, f"Not a valid URL: {url}", param=name)
        line_items = params.get("line_items")
        if not isinstance(line_items, list) or not line_items:
            raise StripeError(400, "Missing required param: line_items.", param="line_items")
        total, currencies = 0, set()
        for n, item in enumerate(line_items):
            where = f"line_items[{n}]"
            if not isinstance(item, dict):
                raise StripeError(400, f"Invalid object: {where}", param=where)
            quantity = _integer(item.get("quantity"), f"{where}[quantity]", minimum=1)
            price_data = item.get("price_data")
            if not isinstance(price_data, dict):
                raise StripeError(400, f"Missing required param: {where}[price_data].")
            currency = _required(price_data, "currency", f"{where}[price_data][currency]")
            amount = _integer(
                price_data.get("unit_amount"), f"{where}[price_data][unit_amount]", minimum=0
            )
            product = price_data.get("product_data")
            if not isinstance(product, dict):
                raise StripeError(
                    400, f"Missing required param: {where}[price_data][product_data]."
                )
            _required(product, "name", f"{where}[price_data][product_data][name]")
            total += quantity * amount
            currencies.add(currency.lower())
        if len(currencies) != 1:
            raise StripeError(400, "All line items must be in the same currency.")
        metadata = params.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise StripeError(400, "Invalid object: metadata", param="metadata")
        automatic_tax = (params.get("automatic_tax") or {}).get("enabled") == "true"
        invoice_creation = (params.get("invoice_creation") or {}).get("enabled") == "true"
        if automatic_tax and params.get("billing_address_collection") != "required":
            raise StripeError(
                400,
                "Automatic tax needs the customer's address: set billing_address_collection.",
                param="automatic_tax",
            )
        allow_promotion_codes = params.get("allow_promotion_codes", "false")
        if allow_promotion_codes not in ("true", "false"):
            raise StripeError(
                400, "Invalid boolean: allow_promotion_codes", param="allow_promotion_codes"
            )
        session_id = f"cs_test_{secrets.token_hex(24)}"
        now = int(time.time())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "allow_promotion_codes": allow_promotion_codes == "true",
            "automatic_tax": {"enabled": automatic_tax, "status": None},
            "invoice": None,
            "invoice_creation": {"enabled": invoice_creation},
            "tax_id_collection": {
                "enabled": (params.get("tax_id_collection") or {}).get("enabled") == "true"
            },
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": cancel_url,
            "client_reference_id": params.get("client_reference_id") or None,
            "created": now,
            "currency": currencies.pop(),
            "customer": None,
            "customer_details": None,
            "customer_email": params.get("customer_email") or None,
            "expires_at": now + SESSION_LIFETIME,
            "livemode": False,
            "metadata": metadata,
            "mode": mode,
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "success_url": success_url,
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.url}/pay/{session_id}",
        }
        self._state.sessions[session_id] = session
        # Not part of the API response: what the payment page shows.
        self._state.charges[session_id] = {
            "line_items": line_items,
            "payment_intent_data": params.get("payment_intent_data") or {},
        }
        return session

    def _get_session(self, session_id: str) -> dict:
        session = self._state.sessions.get(session_id)
        if session is None:
            raise StripeError(
                404,
                f"No such checkout.session: '{session_id}'",
                code="resource_missing",
                param="session",
            )
        return session

    # Test-only helpers: what the customer or Stripe does ----------------------------------

    def create_promotion_code(
        self,
        code: str,
        *,
        percent_off: float | None = None,
        amount_off: int | None = None,
        currency: str | None = None,
    ) -> dict:
        """A promotion code and its coupon, as the coach makes them in Stripe's dashboard."""
        if (percent_off is None) == (amount_off is None):
            raise ValueError("A coupon takes percent_off or amount_off (with a currency).")
        coupon = {
            "id": _new_id("coupon"),
            "object": "coupon",
            "percent_off": percent_off,
            "amount_off": amount_off,
            "currency": currency,
            "valid": True,
        }
        promotion = {
            "id": _new_id("promo"),
            "object": "promotion_code",
            "active": True,
            "code": code,
            "coupon": coupon,
        }
        with self._lock:
            self._state.promotion_codes[code.upper()] = promotion
        return promotion

    def _apply_promotion_code(self, session: dict, code: str) -> None:
        """Checkout's "Add promotion code": the discount taken off the session's total."""
        if not session.get("allow_promotion_codes"):
            raise ValueError("This Checkout does not take promotion codes.")
        promotion = self._state.promotion_codes.get(code.strip().upper())
        if promotion is None or not promotion["active"]:
            raise ValueError("This code is invalid.")
        coupon, subtotal = promotion["coupon"], session["amount_subtotal"]
        if coupon["percent_off"] is not None:
            discount = round(subtotal * coupon["percent_off"] / 100)
        elif coupon["currency"] != session["currency"]:
            raise ValueError("This code is invalid.")
        else:
            discount = min(coupon["amount_off"], subtotal)
        session["amount_total"] = subtotal - discount
        session["total_details"] = {**session["total_details"], "amount_discount": discount}
        session["discounts"] = [{"coupon": coupon["id"], "promotion_code": promotion["id"]}]

    def complete(
        self,
        session_id: str,
        *,
        deliver: bool = True,
        async_payment: bool = False,
        promotion_code: str | None = None,
    ):
        """The customer pays: `checkout.session.completed`, signed; returns (payload, header).

        With `async_payment=True` the session completes unpaid, as with a bank debit; then
        `async_payment_succeeded` or `async_payment_failed` settles it. A `promotion_code` is
        taken off the total first; one that leaves nothing to pay completes the session with
        `payment_status` "no_payment_required" and no payment intent, as Stripe's does.
        """
        with self._lock:
            session = self._get_session(session_id)
            if session["status"] != "open":
                raise ValueError(f"{session_id} is {session['status']}, not open.")
            if promotion_code:
                self._apply_promotion_code(session, promotion_code)
            free = session["amount_total"] == 0
            if session["automatic_tax"]["enabled"]:
                included = round(
                    session["amount_total"] * TAX_RATE_PERCENT / (100 + TAX_RATE_PERCENT)
                )
                session["automatic_tax"]["status"] = "complete"
                session["total_details"] = {**session["total_details"], "amount_tax": included}
            if session["invoice_creation"]["enabled"]:
                session["invoice"] = self._create_invoice(session)
            session.update(
                status="complete",
                url=None,
                payment_intent=None if free else _new_id("pi"),
                customer_details={"email": session["customer_email"], "name": None},
                payment_status=(
                    "no_payment_required" if free else "unpaid" if async_payment else "paid"
                ),
            )
            event = self._record("checkout.session.completed", session)
        return self._send(event, deliver)

    def _create_invoice(self, session: dict) -> str:
        """The paid invoice Checkout makes with `invoice_creation`; its id."""
        invoice_id = _new_id("in")
        self._state.invoices[invoice_id] = {
            "id": invoice_id,
            "object": "invoice",
            "amount_paid": session["amount_total"],
            "currency": session["currency"],
            "customer_email": session["customer_email"],
            "hosted_invoice_url": f"{self.url}/invoice/{invoice_id}",
            "invoice_pdf": f"{self.url}/invoice/{invoice_id}/pdf",
            "status": "paid",
            "tax": session["total_details"]["amount_tax"],
            "total": session["amount_total"],
        }
        return invoice_id

    def invoice_page(self, invoice_id: str) -> tuple[int, str]:
        with self._lock:
            invoice = self._state.invoices.get(invoice_id)
        if invoice is None:
            return 404, _page("Invoice not found", "<p>There is no such invoice.</p>")
        total = _money(invoice["total"], invoice["currency"])
        tax = _money(invoice["tax"], invoice["currency"])
        return 200, _page(
            f"Invoice {invoice_id}",
            f"<p>Paid: {html.escape(total)}, including {html.escape(tax)} tax.</p>",
        )

    def async_payment_succeeded(self, session_id: str, *, deliver: bool = True):
        with self._lock:
            session = self._async_session(session_id)
            session["payment_status"] = "paid"
            event = self._record("checkout.session.async_payment_succeeded", session)
        return self._send(event, deliver)

    def async_payment_failed(self, session_id: str, *, deliver: bool = True):
        with self._lock:
            session = self._async_session(session_id)
            event = self._record("checkout.session.async_payment_failed", session)
        return self._send(event, deliver)

    def _async_session(self, session_id: str) -> dict:
        session = self._get_session(session_id)
        if session["status"] != "complete" or session["payment_status"] != "unpaid":
            raise ValueError(f"{session_id} is not awaiting an asynchronous payment.")
        return session

    def expire(self, session_id: str, *, deliver: bool = True):
        """The session lapses: `checkout.session.expired`; returns (payload, header)."""
        with self._lock:
            session = self._get_session(session_id)
            if session["status"] != "open":
                raise ValueError(f"{session_id} is {session['status']}, not open.")
            self._set_expired(session)
            event = self._record("checkout.session.expired", session)
        return self._send(event, deliver)

    @staticmethod
    def _set_expired(session: dict) -> None:
        session.update(status="expired", url=None, expires_at=int(time.time()))

    def refund(self, session_id: str, *, amount: int | None = None, deliver: bool = True):
        """Refund the session's charge (in full by default), as from Stripe's dashboard:
        `charge.refunded` with a charge."""
        with self._lock:
            charge = self._refund_charge(session_id, amount)
            public = {key: value for key, value in charge.items() if key != "last_refund"}
            event = self._record("charge.refunded", public)
        return self._send(event, deliver)

    def _refund_charge(self, session_id: str, amount: int | None) -> dict:
        """Take `amount` (all that is left, by default) off the session's charge."""
        with self._lock:
            session = self._get_session(session_id)
            if session["payment_status"] != "paid":
                raise ValueError(f"{session_id} has not been paid.")
            record = self._state.charges[session_id]
            charge = record.get("charge")
            if charge is None:
                charge = record["charge"] = {
                    "id": _new_id("ch"),
                    "object": "charge",
                    "amount": session["amount_total"],
                    "amount_captured": session["amount_total"],
                    "amount_refunded": 0,
                    "captured": True,
                    "created": int(time.time()),
                    "currency": session["currency"],
                    "livemode": False,
                    "metadata": record["payment_intent_data"].get("metadata") or {},
                    "paid": True,
                    "payment_intent": session["payment_intent"],
                    "refunded": False,
                    "status": "succeeded",
                }
            remaining = charge["amount"] - charge["amount_refunded"]
            amount = remaining if amount is None else amount
            if not 0 < amount <= remaining:
                raise ValueError(f"Cannot refund {amount}: {remaining} is left on the charge.")
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            return {**charge, "last_refund": amount}

    # Events -------------------------------------------------------------------------------

    def event_for(
        self,
        type_: str,
        obj: dict,
        *,
        event_id: str | None = None,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[str, str]:
        """A Stripe event around `obj`, as (JSON payload, Stripe-Signature header)."""
        event = {
            "id": event_id or _new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": json.loads(json.dumps(obj))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        # Stripe sends its events pretty-printed; the signature covers these exact bytes.
        payload = json.dumps(event, indent=2, ensure_ascii=False)
        return payload, self.sign(payload, secret=secret, timestamp=timestamp)

    def sign(self, payload: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
        """The `Stripe-Signature` header, made by the stripe library's own signing code."""
        return stripe.WebhookSignature.generate_signature_header(
            payload, secret or self.webhook_secret, timestamp=timestamp
        )

    def _record(self, type_: str, obj: dict) -> tuple[str, str]:
        """A new event about `obj` as it is now, kept in `events`; (payload, header)."""
        payload, header = self.event_for(type_, obj)
        with self._lock:
            self._state.events.append(json.loads(payload))
        return payload, header

    def _send(self, event: tuple[str, str], deliver: bool) -> tuple[str, str]:
        # Never while holding the lock: the site may call this server back meanwhile.
        if deliver and self.webhook_url:
            self.deliver(*event)
        return event

    def deliver(self, payload: str, header: str) -> int:
        """POST an event to the webhook URL over HTTP, as Stripe does; returns the status."""
        if not self.webhook_url:
            raise RuntimeError("Set `webhook_url` to deliver events over HTTP.")
        event = json.loads(payload)
        request = urllib.request.Request(  # noqa: S310 (http only, to 127.0.0.1)
            self.webhook_url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, body = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode(errors="replace")
        with self._lock:
            self._state.deliveries.append(Delivery(event["id"], event["type"], status, body))
        return status

    # The test payment page ----------------------------------------------------------------

    def payment_page(self, session_id: str) -> tuple[int, str]:
        with self._lock:
            session = self._state.sessions.get(session_id)
            if session is None:
                return 404, _page("Payment not found", "<p>There is no such payment.</p>")
            session = dict(session)
            line_items = self._state.charges[session_id]["line_items"]
        if session["status"] != "open":
            word = {"complete": "already paid", "expired": "expired"}[session["status"]]
            return 410, _page("Payment closed", f"<p>This payment page is {word}.</p>")
        amount = _money(session["amount_total"], session["currency"])
        items = "".join(
            "<li>{} &times; {}</li>".format(
                html.escape(item["quantity"]),
                html.escape(item["price_data"]["product_data"]["name"]),
            )
            for item in line_items
        )
        cancel = (
            f'<p><a href="{html.escape(session["cancel_url"])}">Cancel</a></p>'
            if session["cancel_url"]
            else ""
        )
        body = (
            f"<p>Paying as {html.escape(session['customer_email'] or 'a guest')}</p>"
            f"<ul>{items}</ul>"
            f'<p>Total: <strong data-testid="amount">{html.escape(amount)}</strong></p>'
            f'<form method="post" action="/pay/{html.escape(session_id)}">'
            + (
                '<p><label for="promotion-code">Promotion code</label> '
                '<input id="promotion-code" name="promotion_code" autocomplete="off"></p>'
                if session.get("allow_promotion_codes")
                else ""
            )
            + f'<button type="submit">Pay {html.escape(amount)}</button></form>'
            f"{cancel}"
        )
        return 200, _page(f"Pay {amount}", body)

    def pay(self, session_id: str, promotion_code: str = "") -> tuple[int, str, str]:
        """The Pay button, with the promotion code typed, if any: (status, Location, page)."""
        with self._lock:
            session = self._state.sessions.get(session_id)
            if session is None:
                return 404, "", _page("Payment not found", "<p>There is no such payment.</p>")
            if session["status"] != "open":
                return 409, "", _page("Payment closed", "<p>This payment is closed.</p>")
            success_url = session["success_url"]
            try:
                event = self.complete(session_id, deliver=False, promotion_code=promotion_code)
            except ValueError as error:
                return 400, "", _page("Promotion code not accepted", f"<p>{error}</p>")
        # Delivered before the browser is sent back, so what the success page shows is
        # deterministic in tests (Stripe itself makes no such promise).
        self._send(event, deliver=True)
        return 303, success_url.replace("{CHECKOUT_SESSION_ID}", session_id), ""


def _money(amount_minor: int, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency)
    number = f"{amount_minor / 100:,.2f}"
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Stripe test payment</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    stripe: StripeServer  # set on the subclass made in `StripeServer.start`
    server_version = "stripe-test-server/1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        path = urllib.parse.urlsplit(self.path).path
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self._json(400, StripeError(400, "Invalid request body.").body)
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        if path.startswith("/v1/"):
            headers = {key.lower(): value for key, value in self.headers.items()}
            try:
                status, result = self.stripe.api(method, path, headers, body)
            except StripeError as error:
                self._json(error.status, error.body)
            else:
                self._json(status, result)
            return
        hosted = HOSTED_INVOICE_PATH.match(path)
        if hosted and method == "GET":
            self._html(*self.stripe.invoice_page(hosted["id"]))
            return
        match = PAY_PATH.match(path)
        if match and method == "GET":
            self._html(*self.stripe.payment_page(match["id"]))
        elif match and method == "POST":
            form = urllib.parse.parse_qs(body)
            code = (form.get("promotion_code") or [""])[0]
            status, location, page = self.stripe.pay(match["id"], code)
            if location:
                self.send_response(status)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._html(status, page)
        else:
            self._html(404, _page("Not found", "<p>Nothing here.</p>"))

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body, indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", _new_id("req"))
        if status >= 400:
            # As Stripe does for errors a retry cannot fix.
            self.send_header("Stripe-Should-Retry", "false")
        self.end_headers()
        self.wfile.write(data)

    def _html(self, status: int, page: str) -> None:
        data = page.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def post_without_following(url: str, data: bytes = b"") -> tuple[int, dict[str, str], str]:
    """A browser-less POST that does not follow redirects: (status, headers, body)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST",
            parts.path + (f"?{parts.query}" if parts.query else ""),
            body=data,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> None:
    """`make stripe-local`: this server on a fixed port, for trying payments in `make run`
    without a Stripe account. It forgets everything when stopped."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument(
        "--webhook-url",
        default="http://127.0.0.1:8000/stripe/webhook/",
        help="where events go: the site's webhook (default: make run's)",
    )
    options = parser.parse_args(argv)
    server = StripeServer(webhook_url=options.webhook_url, port=options.port)
    try:
        server.start()
    except OSError as error:
        raise SystemExit(f"Port {options.port} is taken ({error}); try --port 12112.") from None
    server.create_promotion_code("TRYIT", percent_off=20)
    sys.stdout.write(
        f"A local stand-in for Stripe is answering on {server.url}, sending events to "
        f"{options.webhook_url}.\n\nIn another terminal, start the site with it:\n\n"
        f"    STRIPE_API_BASE={server.url} STRIPE_SECRET_KEY={server.api_key} "
        f"STRIPE_WEBHOOK_SECRET={server.webhook_secret} make run\n\n"
        "Its payment page pays with one click (no card), and takes the promotion code TRYIT "
        "(20% off) where a course or package allows codes. Ctrl-C stops it.\n"
    )
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a stop is a Ctrl-C
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C (make passes its own on) waits for the shutdown, not a traceback.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        server.stop()


if __name__ == "__main__":
    main()
