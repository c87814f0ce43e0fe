"""The learner's own pages: the dashboard, account settings, data export and deletion."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts import services, tokens
from accounts.forms import DeleteAccountForm, MarketingConsentForm

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
    form = MarketingConsentForm(
        request.POST if request.method == "POST" else None,
        initial={
            "marketing": user.marketing_consent_at is not None,
            "course_reminders": user.course_emails_unsubscribed_at is None,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.user_set_marketing_consent(user=user, consent=form.cleaned_data["marketing"])
        services.user_set_course_emails(user=user, subscribed=form.cleaned_data["course_reminders"])
        messages.success(request, "Your email preferences are saved.")
        return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {"form": form, "has_password": user.has_usable_password()},
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
