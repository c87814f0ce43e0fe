"""The load-test scenario: readers, learners, wait-list sign-ups and Stripe webhooks at once.

bench/loadtest.py runs it through `harness.run_locust` against gunicorn with production
settings; it is not meant to be run alone. It reads:

- LOAD_PLAN: the JSON plan bench/load_seed.py wrote (URLs, learners' sessions, payments);
- LOAD_EVENTS: a file to append one JSON line per request and per outcome to (sign-ups
  acknowledged, lessons completed, webhooks accepted), which loadtest.py checks against the
  database afterwards;
- STRIPE_WEBHOOK_SECRET: the site's webhook secret, to sign events.

Production trusts `X-Forwarded-Proto: https` from its proxy and marks its cookies Secure, so
every request says it came over HTTPS and carries its cookies in a Cookie header built here
(requests would not send Secure cookies over plain http). Forms send the CSRF token from the
csrftoken cookie, as a browser does, with the matching https Origin. Sign-ups come from
many visitor addresses in X-Forwarded-For, as they would behind the proxy (the site runs with
TRUSTED_PROXY_COUNT=1); one visitor in ten shares an office address, so the per-IP limit bites
sometimes: its 429 is an allowed answer, counted apart, never a failure.
"""

import importlib.util
import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

ROOT = Path(__file__).resolve().parent.parent
PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
TAG = PLAN["tag"]
EVENTS = Path(os.environ["LOAD_EVENTS"]).open("a", buffering=1)  # noqa: SIM115 (whole run)
SESSION_COOKIE = PLAN["session_cookie"]
CSRF_COOKIE = PLAN["csrf_cookie"]
SHARED_OFFICE_IP = "198.51.100.7"
STAGES = ["exploring", "applying", "interviewing", "employed", "returning"]
REQUEST_TIMEOUT = 30
# Stripe retries a delivery that failed; here a little later, by the same simulated Stripe.
WEBHOOK_RETRY_AFTER = 3.0


def _load_stripe_server():
    """tests/stripe_server.py by its path: the same signing code the test suite uses."""
    spec = importlib.util.spec_from_file_location(
        "coachhouse_tests_stripe_server", ROOT / "tests" / "stripe_server.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STRIPE = _load_stripe_server().StripeServer(webhook_secret=os.environ["STRIPE_WEBHOOK_SECRET"])

_learners = itertools.cycle(PLAN["learners"])
_payments = iter(enumerate(PLAN["payments"]))
_visitors = itertools.count(1)
_accepted_events: list[tuple[str, str]] = []  # (payload, session id) for replays


def record(kind: str, **fields) -> None:
    EVENTS.write(json.dumps({"kind": kind, "t": time.time(), **fields}) + "\n")


@events.request.add_listener
def _on_request(name, response, exception, response_time, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    record("request", name=name, status=status, ok=exception is None, ms=round(response_time))


class SiteUser(HttpUser):
    """Sends every request as through the HTTPS proxy, with cookies kept by hand."""

    abstract = True

    def on_start(self) -> None:
        self.cookies: dict[str, str] = {}
        self.origin = "https://" + urlsplit(self.host).netloc

    def send(
        self,
        method: str,
        path: str,
        name: str,
        *,
        expect: tuple[int, ...] = (200,),
        allow_429: bool = False,
        headers: dict | None = None,
        check=None,
        **kwargs,
    ):
        """One request; 5xx and unexpected statuses fail it, an allowed 429 does not."""
        all_headers = {"X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.client.cookies.clear()
        with self.client.request(
            method,
            path,
            name=name,
            headers=all_headers,
            allow_redirects=False,
            catch_response=True,
            timeout=REQUEST_TIMEOUT,
            **kwargs,
        ) as response:
            status = response.status_code or 0
            if status >= 500:
                response.failure(f"HTTP {status}")
            elif status == 429 and allow_429:
                response.success()
            elif status not in expect:
                response.failure(f"unexpected HTTP {status}" if status else "no response")
            elif check is not None and (problem := check(response)):
                response.failure(problem)
            else:
                response.success()
        for cookie in response.cookies:
            if cookie.value:
                self.cookies[cookie.name] = cookie.value
            else:
                self.cookies.pop(cookie.name, None)
        self.client.cookies.clear()
        return response

    def form_headers(self) -> dict:
        return {"Origin": self.origin, "Referer": self.origin + "/"}


class Reader(SiteUser):
    """An anonymous visitor reading articles, the course page and the free lesson."""

    weight = 10
    wait_time = between(1, 3)
    preview = next(lesson["url"] for lesson in PLAN["lessons"] if lesson["free_preview"])

    @task(3)
    def home(self):
        self.send("GET", PLAN["home_url"], "home")

    @task(4)
    def article(self):
        self.send("GET", random.choice(PLAN["article_urls"]), "article")

    @task(2)
    def course(self):
        self.send("GET", PLAN["course_url"], "course")

    @task(2)
    def free_lesson(self):
        self.send("GET", self.preview, "lesson (free preview)")


class Learner(SiteUser):
    """A signed-in learner working through the course, lesson by lesson."""

    weight = 5
    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        self.next_learner()

    def next_learner(self) -> None:
        learner = next(_learners)
        self.email = learner["email"]
        self.cookies = {SESSION_COOKIE: learner["session_key"]}
        self.position = 0

    @task
    def complete_next_lesson(self):
        lesson = PLAN["lessons"][self.position]
        page = self.send("GET", lesson["url"], "lesson (learner)")
        token = self.cookies.get(CSRF_COOKIE)
        if page.status_code != 200 or not token:
            return
        # One in ten is a double click: the second answer must be the same.
        for _ in range(2 if random.random() < 0.1 else 1):
            response = self.send(
                "POST",
                f"/learn/lessons/{lesson['id']}/progress/",
                "mark complete",
                data={"action": "complete"},
                headers={
                    **self.form_headers(),
                    "Accept": "application/json",
                    "X-CSRFToken": token,
                },
                check=_completed,
            )
        if response.status_code != 200 or _completed(response):
            return
        record("completed", email=self.email, lesson=lesson["id"])
        if response.json()["course_complete"]:
            record("course_completed", email=self.email)
            self.next_learner()
        else:
            self.position = min(self.position + 1, len(PLAN["lessons"]) - 1)


def _completed(response) -> str:
    try:
        if response.json().get("completed") is True:
            return ""
    except ValueError:
        pass
    return "the lesson was not marked complete"


class Joiner(SiteUser):
    """A new visitor each time: opens the wait-list page and joins it."""

    weight = 3
    wait_time = between(1, 3)

    @task
    def join(self):
        number = next(_visitors)
        self.cookies = {}
        ip = (
            SHARED_OFFICE_IP
            if number % 10 == 0
            else f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
        )
        forwarded = {"X-Forwarded-For": ip}
        page = self.send("GET", PLAN["waitlist_url"], "wait list: form", headers=forwarded)
        token = self.cookies.get(CSRF_COOKIE)
        if page.status_code != 200 or not token:
            return
        email = f"{TAG}-join{number}-{uuid.uuid4().hex[:6]}@waitlist.load.test"
        response = self.send(
            "POST",
            PLAN["waitlist_url"],
            "wait list: join",
            expect=(302,),
            allow_429=True,
            headers={**self.form_headers(), **forwarded},
            data={
                "csrfmiddlewaretoken": token,
                "name": f"Load visitor {number}",
                "email": email,
                "job_search_stage": random.choice(STAGES),
                "goals": "Find a role where my work matters, and a plan to get there.",
            },
            check=_joined,
        )
        status = response.status_code or 0
        if status == 302 and not _joined(response):
            record("signup", email=email, outcome="acknowledged", ip=ip)
            self.send("GET", response.headers["Location"], "wait list: joined page")
        elif status == 429:
            record("signup", email=email, outcome="rate_limited", ip=ip)
        elif status >= 500 or status == 0:
            record("signup", email=email, outcome="error", status=status, ip=ip)
        else:
            record("signup", email=email, outcome="rejected", status=status, ip=ip)


def _joined(response) -> str:
    if "joined=1" in response.headers.get("Location", ""):
        return ""
    return "the sign-up was not acknowledged"


class StripeWebhooks(SiteUser):
    """Stripe delivering `checkout.session.completed` for invited people who paid.

    Some deliveries are repeated at once, as Stripe may; a delivery that fails (5xx or no
    answer) is retried a few seconds later with the same event id, as Stripe does.
    """

    weight = 2
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        super().on_start()
        self.retries: list[tuple[float, str, str, str]] = []  # (due, payload, event, session)

    @task
    def deliver(self):
        due = [item for item in self.retries if item[0] <= time.time()]
        if due:
            self.retries.remove(due[0])
            _, payload, event_id, session_id = due[0]
            self.post(payload, event_id, session_id, name="stripe webhook (retry)")
            return
        try:
            number, payment = next(_payments)
        except StopIteration:
            if _accepted_events:
                payload, session_id = random.choice(_accepted_events)
                event_id = json.loads(payload)["id"]
                self.post(payload, event_id, session_id, name="stripe webhook (replay)")
            return
        session = _paid_session(number, payment)
        payload, _ = STRIPE.event_for("checkout.session.completed", session)
        event_id = json.loads(payload)["id"]
        if self.post(payload, event_id, session["id"], name="stripe webhook") and (
            random.random() < 0.2
        ):
            self.post(payload, event_id, session["id"], name="stripe webhook (replay)")

    def post(self, payload: str, event_id: str, session_id: str, *, name: str) -> bool:
        response = self.send(
            "POST",
            "/stripe/webhook/",
            name,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": STRIPE.sign(payload),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
            check=_received,
        )
        status = response.status_code or 0
        if status == 200 and not _received(response):
            duplicate = response.json()["duplicate"]
            record("webhook", event=event_id, session=session_id, duplicate=duplicate)
            if not duplicate:
                _accepted_events.append((payload, session_id))
            return True
        if status >= 500 or status == 0:
            record("webhook_failed", event=event_id, session=session_id, status=status)
            self.retries.append((time.time() + WEBHOOK_RETRY_AFTER, payload, event_id, session_id))
        return False


def _received(response) -> str:
    try:
        if response.json().get("received") is True:
            return ""
    except ValueError:
        pass
    return "the webhook was not received"


def _paid_session(number: int, payment: dict) -> dict:
    """The Checkout Session as Stripe sends it once the customer has paid."""
    now = int(time.time())
    metadata = {"waitlist_entry": str(payment["entry_id"]), "package": str(payment["package_id"])}
    return {
        "id": payment["session_id"],
        "object": "checkout.session",
        "amount_subtotal": payment["amount"],
        "amount_total": payment["amount"],
        "client_reference_id": f"waitlist-entry-{payment['entry_id']}",
        "created": now - 600,
        "currency": payment["currency"],
        "customer_details": {"email": payment["email"], "name": None},
        "customer_email": payment["email"],
        "expires_at": now + 86400,
        "livemode": False,
        "metadata": metadata,
        "mode": "payment",
        "payment_intent": f"pi_load_{TAG}_{number}",
        "payment_status": "paid",
        "status": "complete",
        "url": None,
    }
