"""The lesson page's body in parts."""

from django import template
from django.utils.safestring import mark_safe

from coachhouse import content_version
from coachhouse.pages import site_for

register = template.Library()


@register.simple_tag(takes_context=True)
def lesson_body_parts(context, page) -> list[dict]:
    """The lesson's blocks in runs, for lessons/lesson_page.html to render.

    Consecutive blocks that are the same for every reader make one run, whose markup is kept
    with the content version (all of a lesson's runs in one round trip); a block that shows
    the reader something of their own (`personal = True`: a reflection's form and saved
    answer) is a run of its own, rendered for each request. Runs are read from the body's raw
    data, so the blocks of a kept run are never loaded. A preview renders every run afresh.
    """
    request = context["request"]
    parts = body_runs(page)
    shared = [part for part in parts if not part["personal"]]
    for part in parts:
        if part["personal"]:
            part["blocks"] = [page.body[index] for index in part["blocks"]]

    def render(number):
        blocks = [page.body[index] for index in shared[number]["blocks"]]
        return "".join(
            block.render_as_block({"page": page, "request": request}) for block in blocks
        )

    if getattr(request, "is_preview", False):
        markup = [render(number) for number in range(len(shared))]
    else:
        names = run_names(page, site_for(request))
        markup = content_version.shared_many(names, render, request=request)
    for part, html in zip(shared, markup, strict=True):
        part["markup"] = mark_safe(html)  # noqa: S308 # nosec B308 # rendered blocks
    return parts


def body_runs(page) -> list[dict]:
    """The lesson's blocks in runs (`{"personal": bool, "blocks": [indexes]}`), read from the
    body's raw data."""
    child_blocks = page.body.stream_block.child_blocks
    parts: list[dict] = []
    for index, raw in enumerate(page.body.raw_data):
        personal = getattr(child_blocks.get(raw["type"]), "personal", False)
        if personal or not parts or parts[-1]["personal"]:
            parts.append({"personal": personal, "blocks": [index]})
        else:
            parts[-1]["blocks"].append(index)
    return parts


def run_names(page, site) -> list[str]:
    """The names the markup of the lesson's shared runs is kept under, for a Site."""
    shared = sum(not part["personal"] for part in body_runs(page))
    return [f"lesson-run:{site.pk if site else None}:{page.cache_key}:{n}" for n in range(shared)]
