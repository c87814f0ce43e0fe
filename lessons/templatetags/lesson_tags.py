"""The lesson page's body in parts."""

from django import template

register = template.Library()


@register.simple_tag
def lesson_body_parts(page) -> list[dict]:
    """The lesson's blocks in runs, for lessons/lesson_page.html to render.

    Consecutive blocks that are the same for every reader make one run, which the template
    caches; a block that shows the reader something of their own (`personal = True`: a
    reflection's form and saved answer) is a run of its own, rendered for each request. Runs
    are read from the body's raw data, so a cached run's blocks are never loaded.
    """
    child_blocks = page.body.stream_block.child_blocks
    parts: list[dict] = []
    for index, raw in enumerate(page.body.raw_data):
        block = child_blocks.get(raw["type"])
        personal = getattr(block, "personal", False)
        if personal or not parts or parts[-1]["personal"]:
            parts.append({"number": len(parts), "personal": personal, "indices": [index]})
        else:
            parts[-1]["indices"].append(index)
    for part in parts:
        part["blocks"] = LazyBlocks(page.body, part["indices"])
    return parts


class LazyBlocks:
    """A run's blocks, loaded only when the template iterates over them."""

    def __init__(self, stream, indices):
        self.stream, self.indices = stream, indices

    def __iter__(self):
        return (self.stream[index] for index in self.indices)
