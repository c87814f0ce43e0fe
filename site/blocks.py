"""Blocks for articles, including the call to action that invites readers into a course."""

from django.core.exceptions import ValidationError
from wagtail import blocks

from coachhouse.sanitise import SanitisedStreamBlock, safe_url
from lessons.blocks import ImageBlock, ProseBlock, TipBlock


class QuoteBlock(blocks.StructBlock):
    """A pull quote with its attribution."""

    quote = blocks.TextBlock(max_length=500)
    attribution = blocks.CharBlock(required=False, max_length=120)

    class Meta:
        icon = "openquote"
        template = "blocks/quote_block.html"
        description = "A pull quote."
        preview_value = {
            "quote": "All relationships start with a conversation.",
            "attribution": "The coach",
        }


class CallToActionBlock(blocks.StructBlock):
    """Invites the reader into a course: "Unlock the free course"."""

    course = blocks.PageChooserBlock(page_type="course.CoursePage")
    heading = blocks.CharBlock(max_length=120, default="Unlock the free course")
    text = blocks.TextBlock(
        required=False,
        max_length=400,
        help_text="A sentence or two; the course's promise is shown when left empty.",
    )
    button_label = blocks.CharBlock(max_length=60, default="Unlock the free course")

    class Meta:
        icon = "pick"
        template = "blocks/call_to_action_block.html"
        label = "Call to action: course"
        description = "Invites readers to start a course."


class ArticleStreamBlock(SanitisedStreamBlock):
    """Everything an article can contain."""

    rich_text = ProseBlock()
    image = ImageBlock()
    quote = QuoteBlock()
    tip = TipBlock()
    cta = CallToActionBlock()


class LinkValue(blocks.StructValue):
    """A navigation link's value, with the address it points to."""

    def href(self) -> str:
        """The page's URL, or the address if a browser may safely follow it; else ""."""
        page = self.get("page")
        return page.url if page else safe_url(self.get("url"))


class LinkBlock(blocks.StructBlock):
    """A navigation link to a page or to an address."""

    label = blocks.CharBlock(max_length=40)
    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False, label="or address")

    class Meta:
        icon = "link"
        value_class = LinkValue

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={"page": ValidationError("Choose a page or enter an address.")}
            )
        return value
