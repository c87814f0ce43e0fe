"""allauth's sign-up and sign-in views with the site's answers where a code runs out, a known
address signs up again, or a form is sent twice. Each is allauth's own view, extended."""

import time
from email.utils import parseaddr

from allauth.account import app_settings as allauth_settings
from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.stages import LoginByCodeStage, LoginStageController
from allauth.account.utils import complete_signup, perform_login
from allauth.mfa.base import views as mfa_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from accounts import signin
from coachhouse.views import too_many_requests


def _with_next(path: str, next_url: str | None) -> str:
    return f"{path}?{urlencode({'next': next_url})}" if next_url else path


def _code_page(next_url: str | None) -> str:
    return _with_next(reverse("account_confirm_login_code"), next_url)


class SignupView(allauth_views.SignupView):
    """One email address is all it takes; the code that follows proves the address.

    A new address gets an account and a code; an address that has an account gets a code to
    sign in with. Both are sent to the same page with the same words, so the page tells
    nobody whether an account exists. A double-clicked form sends one code.
    """

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        with signin.first_submit(self.request, email) as earlier_session:
            if earlier_session is None:
                response = self._sign_up_or_in(form, email)
                # Saved now, so a double click's second answer can hand this session on.
                self.request.session.save()
                return response
        response = HttpResponseRedirect(_code_page(self.get_next_url()))
        if earlier_session and earlier_session != self.request.session.session_key:
            _hand_over_session(response, earlier_session)
        return response

    def _sign_up_or_in(self, form, email: str):
        # Try to create the account whatever allauth's check found, so that a known address
        # takes as long as a new one; the unique constraint decides (accounts/forms.py).
        form.account_already_exists = False
        user, response = form.try_save(self.request)
        if response is not None:
            return response
        if user is not None:
            return complete_signup(
                self.request,
                user,
                allauth_settings.EMAIL_VERIFICATION,
                self.get_success_url(),
            )
        # A known address: its owner signs in with the code. A closed account gets no code
        # (allauth emails "account exists" instead), on the same page.
        user = signin.user_for_email(email)
        if user is not None and not user.is_active:
            user = None
        return perform_login(
            self.request,
            user,
            redirect_url=self.get_success_url(),
            signup=True,
            email=email,
        )


def _drop_message(request, text: str) -> None:
    storage = messages.get_messages(request)
    kept = [message for message in storage if str(message.message) != str(text)]
    storage.used = True
    for message in kept:
        messages.add_message(request, message.level, message.message, message.extra_tags)


def _hand_over_session(response, session_key: str) -> None:
    """Give the browser the session in which its first submit stashed the code, as
    SessionMiddleware would have set it."""
    response.set_cookie(
        settings.SESSION_COOKIE_NAME,
        session_key,
        max_age=settings.SESSION_COOKIE_AGE,
        domain=settings.SESSION_COOKIE_DOMAIN,
        path=settings.SESSION_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE or None,
        httponly=settings.SESSION_COOKIE_HTTPONLY or None,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


class ConfirmLoginCodeView(allauth_views.ConfirmLoginCodeView):
    """Enter the emailed code; says how many tries are left, and when a code has expired or
    had its tries, offers one button that sends a new code to the same address."""

    def dispatch(self, request, *args, **kwargs):
        stage = LoginStageController.enter(request, LoginByCodeStage.key)
        retry = None
        if stage is not None and signin.code_has_expired(stage.state):
            retry = signin.CodeRetry(
                email=stage.state.get("email", ""),
                reason="expired",
                next_url=self._next_for(stage),
            )
        self._pending = stage
        response = super().dispatch(request, *args, **kwargs)
        if retry is not None and retry.email:
            return self._send_new_code_page(retry)
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        stage = self._pending
        if isinstance(response, HttpResponseRedirect) and stage is not None:
            # allauth forgot the code after its last try; offer a new one, not the sign-in form
            # and its "too many attempts" (a new code works at once).
            _drop_message(self.request, get_adapter().error_messages["too_many_login_attempts"])
            return self._send_new_code_page(
                signin.CodeRetry(
                    email=stage.state.get("email", ""),
                    reason="used_up",
                    next_url=self._next_for(stage),
                )
            )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        failed = self.stage.state.get("failed_attempts", 0) if self.stage else 0
        context["tries_left"] = max(0, allauth_settings.LOGIN_BY_CODE_MAX_ATTEMPTS - failed)
        context["failed_attempts"] = failed
        context["code_minutes"] = signin.code_minutes()
        return context

    def _next_for(self, stage) -> str:
        next_url = self.get_next_url() or stage.login.redirect_url or ""
        if next_url and not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={self.request.get_host()}
        ):
            return ""
        return next_url

    def _send_new_code_page(self, retry: signin.CodeRetry):
        if not retry.email:
            return HttpResponseRedirect(reverse("account_request_login_code"))
        signin.retry_remember(self.request, retry)
        return HttpResponseRedirect(
            _with_next(reverse("account_request_login_code"), retry.next_url)
        )


class RequestLoginCodeView(allauth_views.RequestLoginCodeView):
    """Ask for a sign-in code; after a code ran out, one button sends a new one to the same
    address."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retry"] = signin.retry_pending(self.request)
        context["code_minutes"] = signin.code_minutes()
        return context

    def _redirect_to_pending_stage(self, request, stage):
        # allauth sends anyone with a code pending back to it; a person who asks for a new
        # code ("Send a new code" on the code page) gets one, which replaces the old.
        if request.method == "POST":
            return None
        return super()._redirect_to_pending_stage(request, stage)

    def form_valid(self, form):
        signin.retry_forget(self.request)
        return super().form_valid(form)


# Changing the email address ------------------------------------------------------------------

# The address a person asked to move to, and when: the site's own note in the session, so the
# email page can show the change while its code works, and "cancel" can end it.
EMAIL_CHANGE_KEY = "email_change_requested"


def _email_change_pending(request) -> str | None:
    """The address this person asked to change to, while the code sent there still works."""
    requested = request.session.get(EMAIL_CHANGE_KEY)
    if not requested:
        return None
    expired = time.time() - requested["at"] > allauth_settings.EMAIL_VERIFICATION_BY_CODE_TIMEOUT
    if expired or requested["email"] == request.user.email:
        return None
    return requested["email"]


class EmailView(allauth_views.EmailView):
    """One address per person (ACCOUNT_CHANGE_EMAIL): see it, change it with a code sent to the
    new address, send that code again or cancel. The old address stays until the code."""

    def post(self, request, *args, **kwargs):
        if "action_cancel" in request.POST:
            request.session.pop(EMAIL_CHANGE_KEY, None)
            messages.info(
                request, f"I’ve cancelled the change. You still sign in with {request.user.email}."
            )
            return HttpResponseRedirect(reverse("account_email"))
        if "action_add" not in request.POST:
            # allauth's buttons for a list of addresses (make primary, remove): one address here.
            return HttpResponseRedirect(reverse("account_email"))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[EMAIL_CHANGE_KEY] = {
            "email": form.cleaned_data["email"],
            "at": time.time(),
        }
        return response

    def get_success_url(self):
        url = super().get_success_url()
        if url == reverse("account_email_verification_sent"):
            return _with_next(url, reverse("account_email"))
        return url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pending_email"] = _email_change_pending(self.request)
        return context


class ConfirmEmailVerificationCodeView(allauth_views.ConfirmEmailVerificationCodeView):
    """The code that proves an address: at sign-up, or for a signed-in person's change of
    address, while that change is pending (a cancelled change's code changes nothing)."""

    def dispatch(self, request, *args, **kwargs):
        self._changing_to = None
        if request.user.is_authenticated:
            self._changing_to = _email_change_pending(request)
            if self._changing_to is None:
                return HttpResponseRedirect(reverse("account_email"))
        response = super().dispatch(request, *args, **kwargs)
        if self._changing_to and getattr(response, "url", None) == reverse("account_email"):
            # allauth has finished with this change (its code ran out, or was used): so has
            # the email page.
            request.session.pop(EMAIL_CHANGE_KEY, None)
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        new_email = self._changing_to
        moved = get_user_model().objects.filter(pk=self.request.user.pk, email=new_email)
        if new_email and moved.exists():
            self.request.session.pop(EMAIL_CHANGE_KEY, None)
            messages.success(self.request, f"Done: you now sign in with {new_email}.")
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if self._changing_to and isinstance(response, HttpResponseRedirect):
            # The code's last try: allauth would send a signed-in person to the sign-in page.
            self.request.session.pop(EMAIL_CHANGE_KEY, None)
            _drop_message(self.request, get_adapter().error_messages["too_many_login_attempts"])
            messages.error(
                self.request,
                "That code didn’t match three times, so I’ve stopped the change to keep your "
                f"account safe. You still sign in with {self.request.user.email}; ask for a "
                "new code below if you’d like to try again.",
            )
            return HttpResponseRedirect(reverse("account_email"))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["changing_to"] = self._changing_to
        context["code_minutes"] = signin.code_minutes()
        return context


class AccountInactiveView(allauth_views.AccountInactiveView):
    """A closed account: kind words, and the address that reaches the coach."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contact_email"] = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        return context


class NothingToConfirmMixin:
    """Someone with neither a password nor an authenticator app, who signs in with emailed
    codes, has nothing to confirm: allauth counts them as confirmed (and would answer 403
    here), so they go on to where they were going."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not get_adapter().get_reauthentication_methods(user):
            return HttpResponseRedirect(self.get_next_url() or reverse("accounts:account"))
        return super().dispatch(request, *args, **kwargs)


class ReauthenticateView(NothingToConfirmMixin, allauth_views.ReauthenticateView):
    """Confirm it's you with your password."""


class ReauthenticateWithCodeView(NothingToConfirmMixin, mfa_views.ReauthenticateView):
    """Confirm it's you with a code from your authenticator app."""


# Which of allauth's limits (ACCOUNT_RATE_LIMITS) each of its pages counts against.
RATE_LIMIT_ACTIONS = {
    "account_signup": ("signup",),
    "account_login": ("login", "login_failed"),
    "account_request_login_code": ("request_login_code",),
    "account_confirm_login_code": ("request_login_code",),
    "account_reset_password": ("reset_password",),
    "account_email_verification_sent": ("confirm_email",),
    "account_email": ("manage_email", "confirm_email"),
    "account_change_password": ("change_password",),
}
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate_seconds(rate: str) -> int:
    """The period of one allauth rate such as "5/300s/key" or "20/m/ip", in seconds."""
    try:
        period = rate.strip().split("/")[1]
        count, unit = period[:-1] or "1", period[-1]
        return int(count) * UNITS[unit]
    except (IndexError, KeyError, ValueError):
        return 60


def wait_seconds(request) -> int:
    """At most how long the visitor must wait before the page will take them again."""
    match = getattr(request, "resolver_match", None)
    actions = RATE_LIMIT_ACTIONS.get(match.url_name if match else "", ())
    rates = [
        rate
        for action in actions
        for rate in (allauth_settings.RATE_LIMITS.get(action) or "").split(",")
        if rate.strip()
    ]
    return max((_rate_seconds(rate) for rate in rates), default=60)


def rate_limited(request, exception=None):
    """Every 429 the site answers: its own page, saying how long to wait."""
    return too_many_requests(request, wait_seconds(request))
