"""The lesson page's body and progress panel: rendered once for every reader in the same place,
but for each reader's own parts."""

import secrets

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from coachhouse import caching

register = template.Library()


@register.simple_tag(takes_context=True)
def lesson_body(context, page):
    """The lesson's blocks, as `{% include_block %}` renders them.

    A block that shows the reader something of their own (`personal = True`: a reflection's
    saved answer and its form) is rendered for each request that has something of its own
    to show (`has_answers`). Every other block, and a personal block as every enrolled learner
    without answers sees it, is rendered once per lesson and content generation in this
    process and kept (coachhouse/caching.py), with only the page and the request (for
    relative links) in its context; a form's CSRF token is put in per request. A preview is
    rendered afresh: a draft is not the live page.
    """
    request = context["request"]
    blocks = list(page.body)
    if getattr(request, "is_preview", False):
        shared = [None] * len(blocks)
    else:
        shared = caching.kept(
            ("lesson-body", request.get_host(), page.pk),
            lambda: [
                None
                if getattr(block.block, "personal", False)
                else block.render_as_block(context={"page": page, "request": request})
                for block in blocks
            ],
            request=request,
        )
        if context.get("is_enrolled") and not context.get("has_answers"):
            shared = caching.kept(
                ("lesson-body-blank", request.get_host(), page.pk),
                lambda: [
                    markup
                    if markup is not None
                    else block.render_as_block(context=_blank_context(page, request))
                    for markup, block in zip(shared, blocks, strict=True)
                ],
                request=request,
            )
    html = [
        markup if markup is not None else block.render_as_block(context=context.flatten())
        for markup, block in zip(shared, blocks, strict=True)
    ]
    return mark_safe(caching.with_csrf_token("".join(html), request))  # noqa: S308 # nosec B308 # each block is a rendered template


def _blank_context(page, request) -> dict:
    """What a personal block sees for an enrolled learner with nothing of their own yet."""
    return {
        "page": page,
        "request": request,
        "is_enrolled": True,
        "reflections": {},
        "csrf_token": caching.CSRF_HOLE,
    }


# Where the panel's "up next" goes: kept apart, it is one variant per place in the course
# rather than one per place and lesson. Random, so no text an editor writes can hold it.
UP_NEXT_HOLE = f"up-next-{secrets.token_hex(16)}"


@register.simple_tag(takes_context=True)
def lesson_progress(context):
    """The "Mark complete" panel (components/lesson_progress.html).

    The same for every learner who has or has not done this lesson, so rendered once for each
    in this process and kept; its "up next" (shown once the lesson is done: the certificate,
    or the lesson to continue with) is the same for every learner at the same place in the
    course, and kept apart (components/lesson_up_next.html). The form's CSRF token is put in
    per request.
    """
    request, page, progress = context["request"], context["page"], context["progress"]
    course, done = context["course"], progress.is_done(page)
    # Until the lesson is done "up next" is hidden, and lesson.js fills it in on completion.
    complete = done and progress.is_complete
    up_next = progress.up_next(page) if done else None
    up_next_number = progress.resume_number if up_next else None

    def render_panel():
        return render_to_string(
            "components/lesson_progress.html",
            {
                "done": done,
                "page": page,
                "request": request,
                "up_next_markup": UP_NEXT_HOLE,
                "csrf_token": caching.CSRF_HOLE,
            },
        )

    def render_up_next():
        if not (complete or up_next):
            return ""
        return render_to_string(
            "components/lesson_up_next.html",
            {
                "complete": complete,
                "course": course,
                "up_next": up_next,
                "up_next_number": up_next_number,
                "request": request,
            },
        )

    if getattr(request, "is_preview", False):
        panel, after = render_panel(), render_up_next()
    else:
        host = request.get_host()
        panel = caching.kept(
            ("lesson-progress", host, page.pk, done), render_panel, request=request
        )
        place = ("lesson-up-next", host, course.pk, complete, getattr(up_next, "pk", None))
        after = caching.kept((*place, up_next_number), render_up_next, request=request)
    html = caching.with_csrf_token(panel.replace(UP_NEXT_HOLE, after), request)
    return mark_safe(html)  # noqa: S308 # nosec B308 # rendered templates and a token
