"""What a learner's own pages say beyond their progress: lessons added after they finished,
and the courses they could start."""

from urllib.parse import urlsplit

from django import template
from django.urls import Resolver404, resolve

from course.certificates import lessons_added_since_completion
from course.models import CoursePage

register = template.Library()


@register.filter
def new_since_finished(progress) -> int:
    """`{{ progress|new_since_finished }}`: lessons the coach added after the learner finished."""
    return lessons_added_since_completion(progress)


@register.simple_tag
def courses_to_start() -> list[CoursePage]:
    """`{% courses_to_start as courses %}`: the live courses, in the order of the page tree."""
    return list(CoursePage.objects.live().public().order_by("path").only("title", "url_path"))


@register.simple_tag
def course_from_next(next_url: str | None) -> CoursePage | None:
    """`{% course_from_next redirect_field_value as course %}`: the course a sign-up is for,
    when it came from the course's start page, so a form sent back keeps the course's words."""
    if not next_url:
        return None
    try:
        match = resolve(urlsplit(next_url).path)
    except Resolver404:
        return None
    if match.view_name != "course:start":
        return None
    return CoursePage.objects.live().filter(pk=match.kwargs.get("course_id")).first()
