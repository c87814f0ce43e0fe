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
from accounts.forms import DeleteAccountForm, MarketingConsentForm, NameForm


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
    """Delete the account after the learner confirms; progress and notes go with it."""
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.user_delete(user=user)
        messages.success(request, "Your account and everything in it has been deleted.")
        return redirect("/")
    return render(request, "accounts/delete.html", {"form": form})


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
