"""The learner's own pages: the dashboard, account settings, data export and deletion; and
the admin's second factor."""

import functools

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from accounts import second_factor as second_factor_rules
from accounts import services, tokens
from accounts.forms import DeleteAccountForm, MarketingConsentForm, NameForm, SecondFactorForm

DELETED_KEPT_KEY = "account_deleted_kept"


@never_cache
@login_required
def dashboard(request):
    """My courses: progress in each, and a button to continue where the learner left off."""
    return render(request, "accounts/dashboard.html")


@never_cache
@login_required
def account(request):
    """Email, password, email preferences, and the way to take or delete one's data."""
    user = request.user
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if posted else None
    name_form = NameForm(
        posted if action == "name" else None,
        initial={"first_name": user.first_name, "last_name": user.last_name},
    )
    form = MarketingConsentForm(
        posted if posted is not None and action != "name" else None,
        initial={
            "marketing": user.marketing_consent_at is not None,
            "course_reminders": user.course_emails_unsubscribed_at is None,
        },
    )
    if action == "name" and name_form.is_valid():
        services.user_set_name(user=user, **name_form.cleaned_data)
        messages.success(request, "Your name is saved. Your certificates show it now.")
        return redirect("accounts:account")
    if posted is not None and action != "name" and form.is_valid():
        services.user_set_marketing_consent(user=user, consent=form.cleaned_data["marketing"])
        services.user_set_course_emails(user=user, subscribed=form.cleaned_data["course_reminders"])
        messages.success(request, "Your email preferences are saved.")
        return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {"form": form, "name_form": name_form, "has_password": user.has_usable_password()},
        status=400 if posted is not None else 200,
    )


@never_cache
@login_required
def export(request):
    """Download everything stored about the learner, as JSON."""
    response = HttpResponse(
        services.user_export_json(user=request.user), content_type="application/json"
    )
    filename = f"coachhouse-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
def delete(request):
    """Delete the account after the learner confirms, then say what was kept and why."""
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        kept = services.user_delete(user=user)
        # Shown once on the next page, to the browser that asked (the account is gone).
        request.session[DELETED_KEPT_KEY] = [{"what": k.what, "why": k.why} for k in kept]
        return redirect("accounts:deleted")
    return render(request, "accounts/delete.html", {"form": form})


@never_cache
def deleted(request):
    """After deletion: what was deleted, and exactly what was kept and why."""
    if DELETED_KEPT_KEY not in request.session:
        return redirect("/")
    kept = request.session.pop(DELETED_KEPT_KEY)
    return render(request, "accounts/deleted.html", {"kept": kept})


# RFC 8058 one-click unsubscribe: mail providers POST `List-Unsubscribe=One-Click` to the
# link in the List-Unsubscribe header, without cookies or a CSRF token. The signed token is
# what authorises the request, so the view is exempt from CSRF; a GET only shows a button,
# so link scanners that follow links unsubscribe nobody.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """Stop course reminder emails from a link in one, without signing in."""
    user = tokens.user_from_unsubscribe_token(token)
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method == "POST":
        services.user_set_course_emails(user=user, subscribed=False)
        return render(request, "accounts/unsubscribed.html", {"email": user.email})
    return render(
        request,
        "accounts/unsubscribe.html",
        {"email": user.email, "already": user.course_emails_unsubscribed_at is not None},
    )


# The admin's second factor (accounts/second_factor.py) ---------------------------------------

# Wrong codes allowed per person in 15 minutes: a 6-digit code is not guessed in 10 tries.
SECOND_FACTOR_RATE = "10/15m"
WRONG_CODE = "That code didn’t work. Check the time on your phone and try the newest code."


def _second_factor_usage(request, *, increment: bool):
    return get_usage(
        request,
        group="admin-second-factor",
        key=lambda group, request: str(request.user.pk),
        rate=SECOND_FACTOR_RATE,
        increment=increment,
    )


def _admin_users_only(view):
    """As every admin URL: anyone who may not use the admin is sent to its sign-in."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not second_factor_rules.may_use_admin(request.user):
            login = reverse("wagtailadmin_login")
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@_admin_users_only
def second_factor(request):
    """The admin asks for a code from the authenticator app (or a recovery code)."""
    if second_factor_rules.totp_authenticator(request.user) is None:
        return redirect(f"{reverse('second-factor-setup')}?{urlencode({'next': _next(request)})}")
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        usage = _second_factor_usage(request, increment=False)  # wrong codes so far
        if usage and usage["count"] >= usage["limit"]:
            form.add_error(None, "Too many wrong codes. Please wait 15 minutes and try again.")
            status = 429
        elif second_factor_rules.second_factor_verify(
            request=request, code=form.cleaned_data["code"]
        ):
            return redirect(_next(request))
        else:
            _second_factor_usage(request, increment=True)
            form.add_error("code", WRONG_CODE)
            status = 400
    elif request.method == "POST":
        status = 400
    context = {"form": form, "next": _next(request)}
    return render(request, "accounts/second_factor.html", context, status=status)


@never_cache
@_admin_users_only
def second_factor_setup(request):
    """First visit to the admin: add an authenticator app, then keep the recovery codes."""
    if second_factor_rules.totp_authenticator(request.user) is not None:
        return redirect(f"{reverse('second-factor')}?{urlencode({'next': _next(request)})}")
    secret = second_factor_rules.pending_secret(request)
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        codes = second_factor_rules.second_factor_activate(
            request=request, code=form.cleaned_data["code"]
        )
        if codes is not None:
            return render(
                request,
                "accounts/second_factor_recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error(
            "code", "That code didn’t match. Scan the code again and type the newest one."
        )
        status = 400
    elif request.method == "POST":
        status = 400
    adapter = get_mfa_adapter()
    totp_url = adapter.build_totp_url(request.user, secret)
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "secret": secret,
            # qrcode's own SVG of our otpauth URL: no user-supplied markup.
            "qr_svg": mark_safe(adapter.build_totp_svg(totp_url)),  # noqa: S308  # nosec B308
            "next": _next(request),
        },
        status=status,
    )


@login_required
def second_factor_managed_here(request, *args, **kwargs):
    """allauth's pages for managing a second factor: the site manages the admin's own (above),
    and nobody else has one to manage."""
    if not second_factor_rules.may_use_admin(request.user):
        return redirect("accounts:account")
    has_one = second_factor_rules.totp_authenticator(request.user) is not None
    return redirect("second-factor" if has_one else "second-factor-setup")


def _next(request) -> str:
    return second_factor_rules.safe_next(request)
