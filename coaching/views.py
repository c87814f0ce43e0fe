"""The public side of the wait list: join, confirm, see your place, leave, accept an invitation."""

import contextlib
import logging
import re

import stripe
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from accounts.models import normalise_email
from coachhouse import stripe_client
from coachhouse.csp import forms_may_reach_checkout
from coaching import payments, selectors, services, tokens
from coaching.forms import AnswersForm, join_form_for
from coaching.models import CoachingPackage, Payment, WaitListEntry
from course.models import CourseOrder, CoursePage
from course.selectors import course_paid_for

logger = logging.getLogger(__name__)

Status = WaitListEntry.Status

JOIN_RATE_PER_IP = "10/h"
JOIN_RATE_PER_EMAIL = "3/h"
# Stripe's events are a few kilobytes; anything far larger is not from Stripe.
WEBHOOK_MAX_BYTES = 256 * 1024

# What Stripe names a Checkout Session (cs_test_… / cs_live_…); anything else is not ours.
STRIPE_SESSION_ID = re.compile(r"cs_[A-Za-z0-9_]{1,250}")


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


def waitlist_join(page, request, *args, **kwargs):
    """A submission of the wait-list page's form: join, or show the form again with why not."""
    form = join_form_for(request, request.POST)
    if _join_rate_limited(request):
        form.add_error(
            None,
            "That's a lot of sign-ups from here in a short time. Please wait a little "
            "and try again.",
        )
        status = 429
    elif form.is_valid():
        entry, created = services.waitlist_join(
            details=services.JoinDetails(**form.cleaned_data),
            user=request.user if request.user.is_authenticated else None,
        )
        if created and entry.status == Status.WAITING:
            # A verified learner is on the list at once: show them their place.
            return redirect("coaching:status", token=tokens.make_token(entry, tokens.STATUS))
        # The same answer whether the address was new or already on the list.
        return redirect(page.url + "?joined=1")
    else:
        status = 400
    context = {**page.get_context(request, *args, **kwargs), "form": form, "joined": False}
    response = TemplateResponse(request, page.get_template(request), context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


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
        request.POST if request.method == "POST" else None,
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


@forms_may_reach_checkout
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
    if request.GET.get("cancelled") == "1":
        messages.info(request, "No payment was taken. Choose a package whenever you're ready.")
    return render(
        request,
        "coaching/invitation.html",
        {
            "entry": entry,
            "token": token,
            "is_open": entry.status == Status.INVITED,
            "payments_configured": stripe_client.is_configured(),
        },
    )


@require_POST
def checkout(request, token: str):
    """The invited person chose a package: off to Stripe Checkout."""
    entry = _entry_or_404(token, tokens.INVITATION)
    if not stripe_client.is_configured():
        messages.error(request, "Online payments are not set up yet. I'll email you when they are.")
        return redirect("coaching:invitation", token=token)
    package_id = request.POST.get("package", "")
    package = (
        CoachingPackage.objects.filter(pk=int(package_id), active=True).first()
        if package_id.isascii() and package_id.isdigit() and len(package_id) < 10
        else None
    )
    if package is None:
        messages.error(request, "Please choose one of the packages below.")
        return redirect("coaching:invitation", token=token)
    invitation_url = request.build_absolute_uri(reverse("coaching:invitation", args=[token]))
    success_url = request.build_absolute_uri(reverse("coaching:payment-success"))
    try:
        payment = payments.checkout_start(
            entry=entry,
            package=package,
            success_url=success_url + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=invitation_url + "?cancelled=1",
        )
    except payments.CheckoutNotAllowed as error:
        messages.error(request, str(error))
        return redirect("coaching:invitation", token=token)
    except stripe.StripeError:
        messages.error(request, "The payment page could not be opened just now. Please try again.")
        return redirect("coaching:invitation", token=token)
    return redirect(payment.checkout_url, permanent=False)


@never_cache
def payment_success(request):
    """Back from Stripe: "you're booked" once the payment is confirmed, until then "confirming"."""
    session_id = request.GET.get("session_id", "")
    if not STRIPE_SESSION_ID.fullmatch(session_id):
        raise Http404("We couldn't find that payment.")
    payment = (
        Payment.objects.select_related("entry", "package")
        .filter(stripe_session_id=session_id)
        .first()
    )
    if payment is None:
        raise Http404("We couldn't find that payment.")
    if payment.status == Payment.Status.PENDING and stripe_client.is_configured():
        # If Stripe can't be reached, the webhook confirms it; the page says "confirming".
        with contextlib.suppress(stripe.StripeError):
            payment = payments.payment_confirm_from_session(payment=payment)
    return render(request, "coaching/payment_success.html", {"payment": payment})


@require_POST
def course_checkout(request, course_id: int):
    """A learner buys a course with a price: off to Stripe Checkout. Someone signed out (a
    session that ended) goes back to the course's start page, which asks them in first."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    start_url = reverse("course:start", args=[course.pk])
    if not request.user.is_authenticated:
        return redirect(start_url)
    if not stripe_client.is_configured():
        messages.error(request, "Online payments are not set up yet. Please try again later.")
        return redirect(start_url)
    success_url = request.build_absolute_uri(reverse("coaching:course-payment-success"))
    try:
        order = payments.course_checkout_start(
            user=request.user,
            course=course,
            success_url=success_url + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=request.build_absolute_uri(start_url) + "?cancelled=1",
        )
    except payments.CheckoutNotAllowed as error:
        messages.info(request, str(error))
        return redirect(start_url)
    except stripe.StripeError:
        messages.error(request, "The payment page could not be opened just now. Please try again.")
        return redirect(start_url)
    return redirect(order.checkout_url, permanent=False)


@never_cache
@login_required
def course_payment_success(request):
    """Back from Stripe with a course bought: off to lesson 1 once the payment is confirmed,
    until then a page that says it is being confirmed."""
    session_id = request.GET.get("session_id", "")
    order = (
        CourseOrder.objects.select_related("course")
        .filter(stripe_session_id=session_id, user=request.user)
        .first()
        if STRIPE_SESSION_ID.fullmatch(session_id)
        else None
    )
    if order is None:
        raise Http404("We couldn't find that payment.")
    if order.status == CourseOrder.Status.PENDING and stripe_client.is_configured():
        # If Stripe can't be reached, the webhook confirms it; the page says "confirming".
        with contextlib.suppress(stripe.StripeError):
            order = payments.course_order_confirm_from_session(order=order)
    if order.status == CourseOrder.Status.PAID:
        messages.success(request, f"Payment received. Welcome to “{order.course.title}”!")
        return redirect("course:start", course_id=order.course_id)
    if order.status == CourseOrder.Status.PENDING and course_paid_for(
        user=request.user, course=order.course
    ):
        # Paid in another tab first; this Checkout's money goes back (the coach is told).
        messages.info(request, "This course is yours already: you paid for it in another tab.")
        return redirect("course:start", course_id=order.course_id)
    return render(request, "coaching/course_payment.html", {"order": order})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events, verified on the raw body. The only view that skips CSRF: Stripe signs."""
    if len(request.body) > WEBHOOK_MAX_BYTES:
        return HttpResponseBadRequest("Payload too large.")
    try:
        event = stripe_client.webhook_event(
            request.body, request.headers.get("stripe-signature", "")
        )
    except stripe_client.MalformedEvent:
        logger.error("A signed Stripe event without an id, type or data object was refused.")
        return HttpResponseBadRequest("Not an event.")
    except (ValueError, stripe.SignatureVerificationError, stripe_client.PaymentsNotConfigured):
        return HttpResponseBadRequest("Invalid payload or signature.")
    outcome = payments.stripe_event_handle(event=event)
    answer = {"received": True, "duplicate": outcome == "duplicate"}
    if outcome == "ignored":
        answer["ignored"] = True  # recorded and logged; a retry would bring the same bytes
    return JsonResponse(answer)
