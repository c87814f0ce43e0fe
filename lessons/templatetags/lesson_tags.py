"""The lesson page's body: rendered once for every reader, but for each reader's own parts."""

from django import template
from django.utils.safestring import mark_safe

from coachhouse import caching

register = template.Library()


@register.simple_tag(takes_context=True)
def lesson_body(context, page):
    """The lesson's blocks, as `{% include_block %}` renders them.

    A block that shows the reader something of their own (`personal = True`: a reflection's
    saved answer and its form) is rendered for each request. Every other block is rendered
    once per lesson and content generation in this process and kept (coachhouse/caching.py),
    with only the page and the request (for relative links) in its context. A preview is
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
    html = [
        markup if markup is not None else block.render_as_block(context=context.flatten())
        for markup, block in zip(shared, blocks, strict=True)
    ]
    return mark_safe("".join(html))  # noqa: S308 # nosec B308 # each block is a rendered template
