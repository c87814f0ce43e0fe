"""The public side of the wait list: join, confirm, see your place, leave, accept an invitation."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from accounts.models import normalise_email
from coaching import selectors, services, tokens
from coaching.forms import AnswersForm, JoinForm
from coaching.models import WaitListEntry

Status = WaitListEntry.Status

JOIN_RATE_PER_IP = "10/h"
JOIN_RATE_PER_EMAIL = "3/h"


def _email_key(group, request) -> str:
    return normalise_email(request.POST.get("email", ""))[:254]


def _join_rate_limited(request) -> bool:
    by_ip = is_ratelimited(
        request, group="waitlist-join-ip", key="ip", rate=JOIN_RATE_PER_IP, increment=True
    )
    by_email = is_ratelimited(
        request,
        group="waitlist-join-email",
        key=_email_key,
        rate=JOIN_RATE_PER_EMAIL,
        increment=True,
    )
    return by_ip or by_email


def _can_share(request) -> bool:
    return request.user.is_authenticated


def waitlist_page_serve(page, request, *args, **kwargs):
    """Coordinates the wait-list page: show the form, take a submission, say what happens next."""
    status = 200
    if request.method == "POST":
        form = JoinForm(request.POST, can_share_reflections=_can_share(request))
        if _join_rate_limited(request):
            form.add_error(
                None,
                "That's a lot of sign-ups from here in a short time. Please wait a little "
                "and try again.",
            )
            status = 429
        elif form.is_valid():
            services.waitlist_join(
                details=services.JoinDetails(**form.cleaned_data),
                user=request.user if request.user.is_authenticated else None,
            )
            # The same answer whether the address was new or already on the list.
            return redirect(page.url + "?joined=1")
        else:
            status = 400
    else:
        form = JoinForm(initial=_initial(request), can_share_reflections=_can_share(request))
    context = page.get_context(request, *args, **kwargs)
    context.update(form=form, joined=request.GET.get("joined") == "1")
    response = TemplateResponse(request, page.get_template(request), context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _initial(request) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"name": user.get_full_name(), "email": user.email}


def _entry_or_404(token: str, purpose: str) -> WaitListEntry:
    entry = tokens.entry_from_token(token, purpose)
    if entry is None:
        raise Http404("This link is not valid any more.")
    return entry


@never_cache
def confirm(request, token: str):
    """GET shows a button and changes nothing (mail scanners prefetch links); POST confirms."""
    entry = _entry_or_404(token, tokens.CONFIRM)
    if request.method == "POST":
        entry = services.waitlist_confirm(entry=entry)
        return redirect("coaching:status", token=tokens.make_token(entry, tokens.STATUS))
    return render(request, "coaching/confirm.html", {"entry": entry})


@never_cache
def status(request, token: str):
    """The person's own page: their place in the queue, their answers, and the way out."""
    entry = _entry_or_404(token, tokens.STATUS)
    can_share = entry.user_id is not None
    form = AnswersForm(
        request.POST or None,
        can_share_reflections=can_share,
        initial={
            "name": entry.name,
            "job_search_stage": entry.job_search_stage,
            "goals": entry.goals,
            "share_reflections": entry.share_reflections,
        },
    )
    if request.method == "POST":
        if form.is_valid():
            services.waitlist_update(
                entry=entry,
                share_reflections=form.cleaned_data.get("share_reflections", False),
                **{k: form.cleaned_data[k] for k in ("name", "job_search_stage", "goals")},
            )
            messages.success(request, "Your answers are saved.")
            return redirect(request.path)
        status_code = 400
    else:
        status_code = 200
    context = {
        "entry": entry,
        "position": selectors.entry_position(entry),
        "form": form,
        "token": token,
        "invitation_token": (
            tokens.make_token(entry, tokens.INVITATION) if entry.status == Status.INVITED else ""
        ),
    }
    return render(request, "coaching/status.html", context, status=status_code)


@require_POST
def leave(request, token: str):
    entry = _entry_or_404(token, tokens.STATUS)
    try:
        services.waitlist_withdraw(entry=entry)
    except services.TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "You've left the wait list. You won't get more emails about it.")
    return redirect("coaching:status", token=token)


@require_POST
def rejoin(request, token: str):
    entry = _entry_or_404(token, tokens.STATUS)
    try:
        services.waitlist_rejoin(entry=entry)
    except services.TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "You're back on the wait list.")
    return redirect("coaching:status", token=token)


@never_cache
def invitation(request, token: str):
    """The invited person's page: the coaching packages, and a way to say no thanks."""
    entry = _entry_or_404(token, tokens.INVITATION)
    if request.method == "POST" and request.POST.get("action") == "decline":
        try:
            services.waitlist_decline(entry=entry)
        except services.TransitionNotAllowed as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, "Thank you for letting me know. Your place goes to the next person."
            )
        return redirect(request.path)
    return render(
        request,
        "coaching/invitation.html",
        {"entry": entry, "is_open": entry.status == Status.INVITED},
    )
