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


@register.filter
def lesson_done(progress, lesson) -> bool:
    """Whether `progress` (a CourseProgress, or nothing for visitors) has `lesson` completed."""
    return bool(progress) and progress.is_done(lesson)


@register.filter
def lesson_opens_at(progress, lesson):
    """When drip opens `lesson` for the learner, while it is still locked; else None."""
    return progress.opens_at(lesson) if progress else None
