"""Keeps a course that was sold from being deleted: its orders are the sales' records."""

from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks

from course.models import CourseOrder


@hooks.register("before_delete_page")
def keep_sold_courses(request, page):
    """Deleting a sold course (or a page above it) would take its orders' course away; the
    editor is told to unpublish it instead, which takes it off the site and keeps the records."""
    sold = CourseOrder.objects.filter(course__path__startswith=page.path).exists()
    if not sold:
        return None
    messages.error(
        request,
        f"“{page.title}” cannot be deleted: it has a course that was sold, and its orders are the "
        "records of those sales. Unpublish it instead to take it off the site.",
    )
    return redirect("wagtailadmin_explore", page.get_parent().pk)
