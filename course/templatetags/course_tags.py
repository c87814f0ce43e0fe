"""Course components other apps' templates can show without importing the course app."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from coachhouse import caching
from course import selectors

register = template.Library()

ITEM_TEMPLATE = "components/lesson_list_item.html"


@register.inclusion_tag("components/my_courses.html", takes_context=True)
def my_courses(context):
    user = context["request"].user
    return {"courses": selectors.learner_courses(user=user), "request": context["request"]}


@register.simple_tag
def course_start_url(course, source=None) -> str:
    """The start link for a course, remembering the page the reader is on."""
    url = reverse("course:start", args=[course.pk])
    return f"{url}?{urlencode({'source': source.pk})}" if source is not None else url


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag(takes_context=True)
def course_progress_for(context, course):
    """The signed-in learner's progress in `course` (empty for visitors)."""
    return selectors.course_progress(user=context["request"].user, course=course)


@register.simple_tag(takes_context=True)
def lesson_list_items(context, lessons, progress=None, current=None, compact=False):
    """The items of a course outline, each showing the learner's tick, lock and place.

    Every lesson page shows the whole outline, so each item is rendered once per state (done,
    current, locked until a day) in this process and kept until the content changes; a page
    view only joins them.
    """
    request = context["request"]
    host = request.get_host()  # the links are relative to this site
    current_pk = getattr(current, "pk", None)
    compact = bool(compact)
    completed = progress.completed_ids if progress else frozenset()
    states = []
    for number, lesson in enumerate(lessons, 1):
        opens_at = progress.opens_at(lesson) if progress else None
        opens_on = timezone.localdate(opens_at) if opens_at else None
        states.append((lesson, number, lesson.pk == current_pk, lesson.pk in completed, opens_on))
    items = caching.kept_many(
        [("lesson-item", host, lesson.pk, *state, compact) for lesson, *state in states],
        lambda index: _render_item(request, *states[index], compact),
        request=request,
    )
    return mark_safe("".join(items))  # noqa: S308 # nosec B308 # each item is a rendered template


def _render_item(request, lesson, number, is_current, done, opens_on, compact) -> str:
    context = {
        "lesson": lesson,
        "number": number,
        "is_current": is_current,
        "done": done,
        "opens_on": opens_on,
        "compact": compact,
        "request": request,
    }
    return render_to_string(ITEM_TEMPLATE, context)
