"""The lesson page's body in parts."""

from django import template

register = template.Library()


@register.simple_tag
def lesson_body_parts(page) -> list[dict]:
    """The lesson's blocks in runs, for lessons/lesson_page.html to render.

    Consecutive blocks that are the same for every reader make one run, which the template
    caches; a block that shows the reader something of their own (`personal = True`: a
    reflection's form and saved answer) is a run of its own, rendered for each request.
    """
    parts: list[dict] = []
    for block in page.body:
        personal = getattr(block.block, "personal", False)
        if personal or not parts or parts[-1]["personal"]:
            parts.append({"number": len(parts), "personal": personal, "blocks": [block]})
        else:
            parts[-1]["blocks"].append(block)
    return parts
