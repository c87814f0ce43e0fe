"""The floor's one view: a trivial template, padded to the size of the site's article page."""

from functools import cache

from django.conf import settings
from django.shortcuts import render
from django.template.loader import render_to_string

TEMPLATE = "floor.html"
SENTENCE = "A short paragraph of plain text, much like an article on the site. "


def _context(paragraphs: list[str]) -> dict:
    return {"title": "The floor", "paragraphs": paragraphs}


@cache
def padded_paragraphs() -> list[str]:
    """Paragraphs that make the rendered page exactly FLOOR_PAGE_BYTES long (ASCII only)."""
    paragraphs = []
    size = len(render_to_string(TEMPLATE, _context(paragraphs)).encode())
    per_paragraph = len(render_to_string(TEMPLATE, _context([""])).encode()) - size
    target = settings.FLOOR_PAGE_BYTES
    while size + per_paragraph + len(SENTENCE) * 8 <= target:
        paragraphs.append(SENTENCE * 8)
        size += per_paragraph + len(SENTENCE) * 8
    if size + per_paragraph <= target:
        paragraphs.append("x" * (target - size - per_paragraph))
    return paragraphs


def page(request):
    return render(request, TEMPLATE, _context(padded_paragraphs()))
