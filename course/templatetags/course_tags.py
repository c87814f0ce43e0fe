"""Course components other apps' templates can show without importing the course app."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

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


@register.simple_tag
def lesson_states(lessons, progress=None, current=None) -> list[dict]:
    """A course outline's items, each with the learner's tick, lock and place."""
    current_pk = getattr(current, "pk", None)
    states = []
    for number, lesson in enumerate(lessons, 1):
        opens_at = progress.opens_at(lesson) if progress else None
        states.append(
            {
                "lesson": lesson,
                "number": number,
                "is_current": lesson.pk == current_pk,
                "done": bool(progress) and progress.is_done(lesson),
                "opens_at": opens_at,
            }
        )
    return states


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
