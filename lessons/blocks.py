"""The StreamField blocks lessons are made of; articles reuse the generic ones."""

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from coachhouse.sanitise import SanitisedRichTextBlock, SanitisedStreamBlock, safe_url

PROSE_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]
CALLOUT_FEATURES = ["bold", "italic", "ol", "ul", "link"]


class ProseBlock(SanitisedRichTextBlock):
    """Running text with headings, lists and links."""

    def __init__(self, **kwargs):
        super().__init__(features=PROSE_FEATURES, **kwargs)

    class Meta:
        icon = "pilcrow"
        template = "blocks/prose_block.html"
        label = "Text"
        description = "Paragraphs, headings, lists and links."
        preview_value = (
            "<h2>Start with what you want</h2><p>Write down three things your next role must "
            "give you, and one thing it must not.</p>"
        )


class VideoValue(blocks.StructValue):
    """A video block's value, with the address a reader may safely follow."""

    def link_url(self) -> str:
        """The video's address for the "Watch the video" link, if a browser may follow it."""
        video = self.get("video")
        return safe_url(getattr(video, "url", video))


class VideoBlock(blocks.StructBlock):
    """A video from YouTube or Vimeo, with a caption and an optional transcript."""

    video = EmbedBlock(help_text="The address of the video page, e.g. on YouTube or Vimeo.")
    caption = blocks.CharBlock(required=False, max_length=200)
    transcript = blocks.TextBlock(
        required=False, help_text="Shown under the video for readers who cannot watch it."
    )

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"
        description = "An embedded video with a caption and transcript."
        value_class = VideoValue


class ImageBlock(blocks.StructBlock):
    """An image with its caption; alt text comes from the image's description."""

    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"
        description = "An image, described for screen readers by its alt text."


class WorksheetBlock(blocks.StructBlock):
    """A document learners download: a worksheet, a template or a checklist."""

    document = DocumentChooserBlock()
    title = blocks.CharBlock(max_length=120)
    description = blocks.TextBlock(required=False, max_length=300)

    class Meta:
        icon = "doc-full"
        template = "blocks/worksheet_block.html"
        description = "A downloadable worksheet or template."


class TipBlock(blocks.StructBlock):
    """A callout that stands out from the text: a tip, a warning or a note."""

    KINDS = [("tip", "Tip"), ("note", "Note"), ("warning", "Watch out")]

    kind = blocks.ChoiceBlock(choices=KINDS, default="tip")
    title = blocks.CharBlock(required=False, max_length=80, default="Coach's tip")
    text = SanitisedRichTextBlock(features=CALLOUT_FEATURES)

    class Meta:
        icon = "help"
        template = "blocks/tip_block.html"
        label = "Tip or callout"
        description = "A highlighted tip, note or warning."
        preview_value = {
            "kind": "tip",
            "title": "Coach's tip",
            "text": "<p>Book the coffee before you feel ready.</p>",
        }


class ReflectionBlock(blocks.StructBlock):
    """A question the learner answers in writing, privately."""

    # Shows the learner's own saved answer, in a form with their CSRF token: rendered for each
    # request, never cached with the rest of the lesson (lessons/templatetags/lesson_tags.py).
    personal = True

    prompt = blocks.TextBlock(max_length=500)
    guidance = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "edit"
        template = "blocks/reflection_block.html"
        label = "Reflection prompt"
        description = "A question learners answer in their own notes."
        preview_value = {
            "prompt": "Which conversation this year changed your direction?",
            "guidance": "Write for five minutes without editing.",
        }


class ChecklistBlock(blocks.StructBlock):
    """A short list of actions to tick off."""

    title = blocks.CharBlock(max_length=120, default="Your checklist")
    items = blocks.ListBlock(blocks.CharBlock(max_length=250, label="Item"), min_num=1)

    class Meta:
        icon = "list-ul"
        template = "blocks/checklist_block.html"
        description = "Actions for the learner to take after the lesson."
        preview_value = {
            "title": "This week",
            "items": ["List ten people you admire", "Send one message"],
        }


class LessonStreamBlock(SanitisedStreamBlock):
    """Everything a lesson can contain."""

    rich_text = ProseBlock()
    video = VideoBlock()
    image = ImageBlock()
    worksheet = WorksheetBlock()
    tip = TipBlock()
    reflection = ReflectionBlock()
    checklist = ChecklistBlock()
