"""A second factor for everyone who can use the Wagtail admin: allauth's TOTP and recovery codes.

A password (or an emailed code) signs a person in; the admin also asks for a code from their
authenticator app, once per session. Someone who may use the admin but has no authenticator yet
is walked through setting one up on their first visit. The codes are allauth's own (its MFA app
stores the secret encrypted, and marks each code used), so a staff member who signs in through
allauth's pages is asked for the same code there, and counts as having given it here.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, validate_totp_code
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

SESSION_KEY = "admin_second_factor_user"
PENDING_SECRET_KEY = "admin_second_factor_pending_secret"  # noqa: S105  # nosec B105 - a session key name
ADMIN_PREFIX = "/admin/"
# Under /admin/ but reachable before the second factor: signing in and out, resetting a
# password, and the second-factor pages themselves.
OPEN_ADMIN_PATHS = ("/admin/login/", "/admin/logout/", "/admin/password_reset/", "/admin/2fa/")


def may_use_admin(user) -> bool:
    """Whether Wagtail would let this person into its admin."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm("wagtailadmin.access_admin"))
    )


def totp_authenticator(user) -> Authenticator | None:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()


def session_has_second_factor(request) -> bool:
    """This session gave a code: on our admin page, or on allauth's own sign-in."""
    if request.session.get(SESSION_KEY) == str(request.user.pk):
        return True
    return any(record.get("method") == "mfa" for record in get_authentication_records(request))


def second_factor_verify(*, request, code: str) -> bool:
    """Check a code from the authenticator app, or an unused recovery code (used up here)."""
    code = "".join(code.split())
    if not code or len(code) > 32:
        return False
    authenticators = Authenticator.objects.filter(user_id=request.user.pk)
    for authenticator in authenticators:
        if authenticator.type == Authenticator.Type.TOTP:
            valid = TOTP(authenticator).validate_code(code)
        elif authenticator.type == Authenticator.Type.RECOVERY_CODES:
            valid = RecoveryCodes(authenticator).validate_code(code)
        else:
            continue
        if valid:
            authenticator.record_usage()
            request.session[SESSION_KEY] = str(request.user.pk)
            return True
    return False


def pending_secret(request) -> str:
    """The secret offered on the set-up page, kept in the session until a code confirms it."""
    secret = request.session.get(PENDING_SECRET_KEY)
    if not secret:
        secret = request.session[PENDING_SECRET_KEY] = generate_totp_secret()
    return secret


@transaction.atomic
def second_factor_activate(*, request, code: str) -> list[str] | None:
    """Turn on TOTP with the pending secret if `code` matches it; returns the recovery codes."""
    secret = request.session.get(PENDING_SECRET_KEY, "")
    code = "".join(code.split())
    if not secret or not code.isdigit() or not validate_totp_code(secret, code):
        return None
    if totp_authenticator(request.user) is None:
        TOTP.activate(request.user, secret)
    recovery = RecoveryCodes.activate(request.user)
    del request.session[PENDING_SECRET_KEY]
    request.session[SESSION_KEY] = str(request.user.pk)
    return recovery.get_unused_codes()


def safe_next(request, default: str = ADMIN_PREFIX) -> str:
    """Where to go after the second factor: a path in the admin, never another site."""
    target = request.POST.get("next") or request.GET.get("next") or default
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed and target.startswith(ADMIN_PREFIX) else default


class AdminSecondFactorMiddleware:
    """Sends anyone who may use the admin, but has not given a code this session, to do so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if (
            path.startswith(ADMIN_PREFIX)
            and not path.startswith(OPEN_ADMIN_PATHS)
            and may_use_admin(request.user)
            and not session_has_second_factor(request)
        ):
            name = "second-factor" if totp_authenticator(request.user) else "second-factor-setup"
            return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
