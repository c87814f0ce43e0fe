"""Rich text and links that cannot carry script, however they were saved.

Wagtail's editor only produces safe HTML, but anything that writes to the database without it
(the demo loader, a script, an import, an API) can store any HTML at all, and Wagtail renders
stored rich text as it is. So every rich text field and block in the project cleans its HTML
with nh3 when it is saved and again when it is read, keeping Wagtail's own
`<a linktype=...>` and `<embed embedtype=.../>` elements. This module imports no app, so every
app may use it.
"""

import re
from urllib.parse import urlsplit

import nh3
from wagtail import blocks
from wagtail.fields import RichTextField

# Wagtail's stored rich text format, for every built-in editor feature (not only the ones this
# project enables today), so turning a feature on later never silently drops content.
ALLOWED_TAGS = {
    *(f"h{level}" for level in range(1, 7)),
    *("p", "br", "hr", "blockquote", "ol", "ul", "li"),
    *("b", "i", "strong", "em", "s", "sub", "sup", "code"),
    *("a", "embed"),
}
ALLOWED_ATTRIBUTES = {
    # The editor keys each block for comments.
    "*": {"data-block-key"},
    # External links carry href; links to pages and documents carry linktype and id instead.
    "a": {"href", "linktype", "id"},
    # Images (embedtype="image") and media (embedtype="media" with a url) placed in the text.
    "embed": {"embedtype", "id", "format", "alt", "url"},
}
LINK_SCHEMES = {"http", "https", "mailto", "tel"}
# html5ever writes void elements as `<embed ...>`; Wagtail's rewriter looks for `<embed .../>`
# (and its editor writes `<br/>` and `<hr/>`). Attribute values come back with `<` and `>`
# escaped, so `[^>]*` stays inside the tag.
VOID_ELEMENT = re.compile(r"<(br|hr|embed)\b([^>]*?)\s*/?>")
MAX_PASSES = 4


def clean_html(html: str) -> str:
    """Rich text with every element, attribute and URL scheme outside Wagtail's format removed.

    Idempotent: cleaning clean HTML returns it unchanged. Badly nested input can come out of
    one pass in a shape the next parse reads differently (`<h2>` inside `<h2>`), so it is
    cleaned again until it stays the same.
    """
    if not html:
        return html
    html = str(html)
    for _ in range(MAX_PASSES):
        cleaned = _clean_once(html)
        if cleaned == html:
            break
        html = cleaned
    return cleaned


def _clean_once(html: str) -> str:
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        # nh3 would add rel="noopener noreferrer" to every link; Wagtail's format has no rel.
        link_rel=None,
    )
    return VOID_ELEMENT.sub(r"<\1\2/>", cleaned)


def safe_url(url: str | None) -> str:
    """The URL if a browser would navigate to it harmlessly (http, https, mailto, tel or a
    relative path); otherwise "" (`javascript:`, `data:`, `vbscript:` and the like)."""
    if not url:
        return ""
    url = str(url).strip()
    # Browsers drop ASCII tab and newline anywhere in a URL ("java\tscript:" is javascript:).
    squashed = re.sub(r"[\t\n\r]", "", url)
    scheme = urlsplit(squashed).scheme.lower()
    if scheme and scheme not in LINK_SCHEMES:
        return ""
    if not scheme and ":" in squashed.split("/", 1)[0]:
        # Not a scheme Python recognises, yet something a browser might ("java script:").
        return ""
    return url


class SanitisedRichTextField(RichTextField):
    """Wagtail's RichTextField, cleaned with nh3 on every save and every read."""

    def get_prep_value(self, value):
        return clean_html(super().get_prep_value(value))

    def from_db_value(self, value, expression, connection):
        return clean_html(value)

    def to_python(self, value):
        # Also how a page is rebuilt from a revision, for previews and publishing.
        return clean_html(super().to_python(value))

    def deconstruct(self):
        # Migrations record Wagtail's field: cleaning changes nothing in the database schema.
        name, _path, args, kwargs = super().deconstruct()
        return name, "wagtail.fields.RichTextField", args, kwargs


class SanitisedRichTextBlock(blocks.RichTextBlock):
    """Wagtail's RichTextBlock, cleaned with nh3 on every save and every read."""

    def get_prep_value(self, value):
        return clean_html(super().get_prep_value(value))

    def to_python(self, value):
        return super().to_python(clean_html(value))


class SanitisedStreamBlock(blocks.StreamBlock):
    """A StreamBlock that cleans the rich text in every child when it is saved.

    Wagtail saves the children of a stream it has not read yet (a list of dicts assigned by a
    script, say) as they are, without their blocks' get_prep_value; binding them first means
    each block prepares, and so cleans, its own value.
    """

    def get_prep_value(self, value):
        if value:
            list(value)
        return super().get_prep_value(value)


# Migrations record Wagtail's own block (Wagtail's mechanism for the path a block deconstructs
# to): cleaning changes nothing in the stored format, so it needs no migration.
DECONSTRUCT_ALIASES = {SanitisedRichTextBlock: "wagtail.blocks.RichTextBlock"}
