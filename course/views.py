"""Learner actions on courses: start, complete lessons, reflections, completion, certificate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coachhouse.csp import forms_may_reach_checkout
from course import certificates, selectors, services
from course.attribution import source_from_request, source_to_params
from course.forms import CertificateNameForm, ReflectionForm
from course.models import CoursePage, Enrolment
from course.templatetags.course_tags import progress_panel

# A reader who asks to start a course before signing up carries that wish through allauth's
# email round trip in the `next` address, signed (a session would be a row per anonymous
# visit): back signed in, the start view enrols them from it.
INTENT_SALT = "course.start-intent"
INTENT_MAX_AGE = 24 * 60 * 60


@forms_may_reach_checkout
@never_cache
def start(request, course_id: int):
    """The one door into a course: sign-up for new readers, one click for signed-in ones, and
    for a course with a price, the way to buy it (the coaching app's Checkout)."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(request.path)
        try:
            return _enrol_and_go(request, course, source_from_request(request, request.POST))
        except services.PaymentRequired as refused:
            messages.error(request, str(refused))
            return _start_page(request, course, request.POST, status=402)

    if request.user.is_authenticated:
        progress = selectors.course_progress(user=request.user, course=course)
        if progress.enrolment:
            return redirect(progress.resume_lesson.url if progress.resume_lesson else course.url)
        intent = _intent(request.GET.get("intent", ""), course)
        if intent is not None and course.is_free:
            # They asked to start this course before signing up; the email round trip is done.
            return _enrol_and_go(request, course, source_from_request(request, intent))
        if request.GET.get("cancelled") == "1":
            messages.info(request, "No payment was taken. Buy the course whenever you’re ready.")
    return _start_page(request, course, request.GET)


def _start_page(request, course, params, *, status=200):
    source = source_from_request(request, params)
    next_url = request.path
    if not request.user.is_authenticated:
        intent = signing.dumps({"course": course.pk, **source_to_params(source)}, salt=INTENT_SALT)
        next_url += "?" + urlencode({"intent": intent})
    return render(
        request,
        "course/start.html",
        {
            "course": course,
            "source_params": source_to_params(source),
            "signup_url": reverse("account_signup") + "?" + urlencode({"next": next_url}),
            "login_url": reverse("account_login") + "?" + urlencode({"next": next_url}),
        },
        status=status,
    )


def _intent(token: str, course) -> dict | None:
    """The source params of a signed wish to start `course`, or None if there is none."""
    if not token or len(token) > 2000:
        return None
    try:
        intent = signing.loads(token, salt=INTENT_SALT, max_age=INTENT_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(intent, dict) or intent.get("course") != course.pk:
        return None
    return intent


def _enrol_and_go(request, course, source):
    _, created = services.enrolment_create(user=request.user, course=course, source=source)
    first = course.lessons().first()
    if created:
        messages.success(request, f"You're in! Welcome to “{course.title}”.")
    return redirect(first.url if first else course.url)


def _lesson_for_learner(request, lesson_id: int):
    lesson = selectors.live_lesson(lesson_id)
    if lesson is None:
        raise Http404("No such lesson.")
    return lesson


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@require_POST
@login_required
def lesson_progress(request, lesson_id: int):
    """Mark a lesson complete, or not; answers JSON to scripts and redirects everyone else."""
    lesson = _lesson_for_learner(request, lesson_id)
    course = lesson.course
    completing = request.POST.get("action", "complete") != "uncomplete"
    change = services.lesson_complete if completing else services.lesson_uncomplete
    try:
        progress = change(user=request.user, lesson=lesson, course=course)
    except services.NotEnrolled:
        return _not_enrolled(request, lesson)
    except services.LessonLocked as locked:
        return _locked(request, locked)
    if _wants_json(request):
        return JsonResponse(_progress_payload(request, progress, lesson))
    if completing and progress.is_complete:
        return redirect("course:completed", course_id=course.pk)
    if completing:
        messages.success(request, "Lesson complete. Nicely done.")
    return HttpResponseRedirect(lesson.url + "#lesson-progress")


def _progress_payload(request, progress, lesson) -> dict:
    """What lesson.js shows: the progress panel as the lesson page renders it, and the
    figures for the progress bar."""
    # No request in the context: the next lesson's address is relative, as on a single site,
    # without asking for the Site.
    context = {"csrf_token": get_token(request), **progress_panel(lesson, progress)}
    panel = render_to_string("components/lesson_progress.html", context)
    return {
        "completed": progress.is_done(lesson),
        "completed_count": progress.completed_count,
        "total": progress.total,
        "percent": progress.percent,
        "summary": f"{progress.completed_count} of {progress.total} lessons, {progress.percent}%",
        "course_complete": progress.is_complete,
        "panel": panel,
    }


def _not_enrolled(request, lesson):
    message = "Start the course first to save your progress."
    if _wants_json(request):
        return JsonResponse({"error": message}, status=403)
    messages.error(request, message)
    return redirect(lesson.url)


def _locked(request, locked: services.LessonLocked):
    opens = date_format(timezone.localtime(locked.opens_at), "l j F")
    message = f"This lesson opens on {opens}. You can mark it complete once it’s open."
    if _wants_json(request):
        return JsonResponse({"error": message, "opens_at": locked.opens_at.isoformat()}, status=403)
    messages.error(request, message)
    return redirect(locked.lesson.url)


@require_POST
@login_required
def reflection(request, lesson_id: int, block_id: str):
    """Save the learner's private answer to one reflection prompt."""
    lesson = _lesson_for_learner(request, lesson_id)
    block = next(
        (b for b in lesson.body if b.block_type == "reflection" and b.id == block_id), None
    )
    if block is None:
        raise Http404("No such reflection prompt in this lesson.")
    form = ReflectionForm(request.POST)
    if not form.is_valid():
        error = " ".join(form.errors["answer"])
        if _wants_json(request):
            return JsonResponse({"error": error}, status=400)
        messages.error(request, f"Your answer was not saved: {error}")
        return redirect(f"{lesson.url}#reflection-{block_id}")
    try:
        services.reflection_save(
            user=request.user,
            lesson=lesson,
            block_id=block_id,
            prompt=block.value["prompt"],
            answer=form.cleaned_data["answer"],
        )
    except services.NotEnrolled:
        return _not_enrolled(request, lesson)
    except services.LessonLocked as locked:
        return _locked(request, locked)
    if _wants_json(request):
        return JsonResponse({"saved": True})
    messages.success(request, "Your answer is saved. Only you can see it.")
    return redirect(f"{lesson.url}#reflection-{block_id}")


@never_cache
@login_required
def completed(request, course_id: int):
    """The finish line: congratulations, the certificate and what comes next."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    progress = selectors.course_progress(user=request.user, course=course)
    if not progress.enrolment:
        return redirect("course:start", course_id=course.pk)
    if not progress.enrolment.completed_at:
        messages.info(request, "Finish every lesson to get your certificate.")
        lesson = progress.resume_lesson
        return redirect(lesson.url if lesson else course.url)
    enrolment = progress.enrolment
    form = CertificateNameForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        enrolment=progress.enrolment,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        first_issue = enrolment.certificate_issued_at is None
        certificates.certificate_issue(
            enrolment=enrolment, first_name=data["first_name"], last_name=data["last_name"]
        )
        services.enrolment_set_certificate_searchable(
            enrolment=enrolment, searchable=data["searchable"]
        )
        messages.success(
            request,
            "Your certificate is ready." if first_issue else "Your certificate is up to date.",
        )
        return redirect("course:completed", course_id=course.pk)
    return render(
        request,
        "course/completed.html",
        {
            "course": course,
            "enrolment": enrolment,
            "progress": progress,
            "form": form,
            "issued": certificates.certificate_is_issued(enrolment),
            "new_lessons": certificates.lessons_added_since_completion(progress),
        },
        status=400 if form.errors else 200,
    )


@never_cache  # it carries a name, which its owner may change: no shared cache keeps a copy
def certificate(request, certificate_id):
    """A public, printable certificate; its address is how an employer verifies it."""
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("user").filter(certificate_issued_at__isnull=False),
        certificate_id=certificate_id,
    )
    if not certificates.certificate_is_issued(enrolment):
        raise Http404("No such certificate.")
    response = render(request, "course/certificate.html", {"enrolment": enrolment})
    if not enrolment.certificate_searchable:
        response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@login_required
def notes(request):
    """Everything the learner wrote in reflection prompts, lesson by lesson."""
    return render(
        request,
        "course/notes.html",
        {"reflections": selectors.learner_reflections(user=request.user)},
    )


@require_POST
@login_required
def nudges_break(request, course_id: int):
    """Take a break from a course's reminder emails for 30 days, or end the break early."""
    enrolment = get_object_or_404(Enrolment, user=request.user, course_id=course_id)
    if request.POST.get("action") == "resume":
        services.enrolment_resume_nudges(enrolment=enrolment)
        messages.success(request, "Welcome back. Reminders are on again for this course.")
    else:
        services.enrolment_pause_nudges(enrolment=enrolment)
        until = date_format(timezone.localtime(enrolment.nudges_paused_until), "j F")
        messages.success(
            request,
            f"Enjoy the break. No reminders about this course until {until}; "
            "your progress is saved.",
        )
    return redirect("accounts:dashboard")
