"""Keeps the worksheets of enrolled-only lessons for enrolled learners."""

from django.shortcuts import redirect
from wagtail import hooks

from lessons.worksheets import worksheet_access, worksheet_may_download


@hooks.register("before_serve_document")
def serve_worksheets_to_learners_only(document, request):
    """A document used only in enrolled-only lessons goes to enrolled learners (and editors);
    anyone else is sent to the lesson, which says how to join the course."""
    access = worksheet_access(document=document)
    if worksheet_may_download(user=request.user, access=access):
        return None
    return redirect(access.first_lesson.url)
