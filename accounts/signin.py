"""The rules of signing up and in by emailed code that allauth leaves to the site: how long a
code lasts, what a person is told when one runs out, and one code for a double-clicked form."""

import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass

from allauth.account import app_settings as allauth_settings
from django.conf import settings
from django.core.cache import cache

from accounts.models import User, normalise_email

USED_UP_MESSAGE = (
    "That code didn’t match three times, so it no longer works. Send yourself a new one: "
    "it works straight away."
)
EXPIRED_MESSAGE = "That code has expired. Send yourself a new one: it works straight away."

# The session remembers, for the "send a new code" page, whose code ran out and why.
RETRY_SESSION_KEY = "coachhouse_code_retry"

# A second submit of the same sign-up from the same browser within this many seconds is
# taken to be a double click: it waits for the first and shares its code.
DOUBLE_SUBMIT_SECONDS = 15
DOUBLE_SUBMIT_WAIT_SECONDS = 5.0


def code_minutes() -> int:
    """How long a sign-in code works, in whole minutes, as the emails and pages say it."""
    return max(1, allauth_settings.LOGIN_BY_CODE_TIMEOUT // 60)


def user_for_email(email: str) -> User | None:
    return User.objects.filter(email=normalise_email(email)).first()


@dataclass(frozen=True)
class CodeRetry:
    """A code that stopped working: for which address, why, and where the person was going."""

    email: str
    reason: str  # "expired" or "used_up"
    next_url: str = ""

    @property
    def message(self) -> str:
        return EXPIRED_MESSAGE if self.reason == "expired" else USED_UP_MESSAGE


def retry_remember(request, retry: CodeRetry) -> None:
    request.session[RETRY_SESSION_KEY] = {
        "email": retry.email,
        "reason": retry.reason,
        "next": retry.next_url,
    }


def retry_pending(request) -> CodeRetry | None:
    data = request.session.get(RETRY_SESSION_KEY)
    if not isinstance(data, dict) or not data.get("email"):
        return None
    return CodeRetry(
        email=data["email"], reason=data.get("reason", ""), next_url=data.get("next") or ""
    )


def retry_forget(request) -> None:
    request.session.pop(RETRY_SESSION_KEY, None)


def code_has_expired(stage_state: dict) -> bool:
    """allauth's own test of a pending code's age, read before allauth forgets the code."""
    started = stage_state.get("at")
    return started is not None and time.time() - started > allauth_settings.LOGIN_BY_CODE_TIMEOUT


def _double_submit_key(request, email: str) -> str:
    # The same browser (its CSRF cookie, which only it holds) sending the same address.
    browser = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "") or request.META.get(
        "REMOTE_ADDR", ""
    )
    digest = hashlib.sha256(f"{normalise_email(email)}|{browser}".encode()).hexdigest()
    return f"coachhouse:signup:{digest}"


@contextmanager
def first_submit(request, email: str):
    """Yields None to the first sign-up of `email` from this browser, which then sends the
    code; a second one sent while the first is running, or just after, waits for it and
    yields the first's session key (or "" if the first failed) instead of sending again.

    `cache.add` is atomic in Redis and in the local-memory cache, so two requests at the
    same moment cannot both be first.
    """
    key = _double_submit_key(request, email)
    if cache.add(key, {"done": False}, DOUBLE_SUBMIT_SECONDS):
        outcome = {"done": True, "session_key": ""}
        try:
            yield None
            outcome["session_key"] = request.session.session_key or ""
        finally:
            cache.set(key, outcome, DOUBLE_SUBMIT_SECONDS)
        return
    deadline = time.monotonic() + DOUBLE_SUBMIT_WAIT_SECONDS
    state = cache.get(key) or {}
    while not state.get("done") and time.monotonic() < deadline:
        time.sleep(0.05)
        state = cache.get(key) or {}
    yield state.get("session_key", "")
