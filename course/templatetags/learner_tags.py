"""What a learner's own pages say beyond their progress: lessons added after they finished,
and the courses they could start."""

from django import template

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
