"""Course components other apps' templates can show without importing the course app."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from coachhouse import content_version
from coachhouse.pages import site_for
from course import selectors

register = template.Library()


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
def lesson_list_items(context, lessons, progress=None, current=None, compact=False, outline=None):
    """A course outline's items, each showing the learner's tick, lock and place.

    An item's markup is the same for everyone who sees that lesson in the same state (done or
    not, current or not, locked until a day), so each is rendered once per state and content
    version and kept in the cache; a page view fetches the fifty of a long course in one round
    trip, and renders only those missing. A view that worked out the `outline` (its states
    and names, `outline_states` and `outline_names`) passes it on.
    """
    request = context["request"]
    if outline:
        states, names = outline
    else:
        states = outline_states(lessons, progress, current)
        names = outline_names(states, site_for(request), compact)

    def render(index):
        lesson, number, is_current, done, opens_on = states[index]
        item = {"lesson": lesson, "number": number, "is_current": is_current, "done": done}
        item |= {"opens_on": opens_on, "compact": compact, "request": request}
        return render_to_string("components/lesson_list_item.html", item)

    items = content_version.shared_many(names, render, request=request)
    return mark_safe("".join(items))  # noqa: S308 # nosec B308 # each item is a rendered template


def outline_states(lessons, progress=None, current=None) -> list[tuple]:
    """Each lesson of an outline with its state: (lesson, number, is current, done, opens on)."""
    current_pk = getattr(current, "pk", None)
    states = []
    for number, lesson in enumerate(lessons, 1):
        opens_at = progress.opens_at(lesson) if progress else None
        opens_on = timezone.localdate(opens_at) if opens_at else None
        done = bool(progress) and progress.is_done(lesson)
        states.append((lesson, number, lesson.pk == current_pk, done, opens_on))
    return states


def outline_names(states: list[tuple], site, compact=False) -> list[str]:
    """The names an outline's items are kept under, one for each lesson in its state."""
    return [
        f"lesson-item:{site.pk if site else None}:{lesson.pk}:{number}:{is_current:d}:{done:d}:"
        f"{opens_on}:{bool(compact):d}"
        for lesson, number, is_current, done, opens_on in states
    ]


def progress_panel(page, progress) -> dict:
    """What the "Mark complete" panel shows (components/lesson_progress.html): the lesson page
    renders it, and "Mark complete" answers scripts with it (course/views.py)."""
    done = progress.is_done(page)
    up_next = progress.up_next(page) if done else None
    return {
        "page": page,
        "course": progress.course,
        "done": done,
        "complete": done and progress.is_complete,
        "up_next": up_next,
        "up_next_number": progress.resume_number if up_next else None,
    }


@register.inclusion_tag("components/lesson_progress.html", takes_context=True)
def lesson_progress(context, page, progress):
    return {"request": context.get("request"), **progress_panel(page, progress)}
