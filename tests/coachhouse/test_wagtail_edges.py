"""Wagtail's edges: no raw HTML anywhere, rich text cleaned whoever saves it, documents served
through Wagtail's view, and uploads held to their formats and sizes."""

import io
import re

import pytest
import wagtail_factories
from bs4 import BeautifulSoup
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings, strategies
from PIL import Image as PILImage
from wagtail import blocks
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.documents import get_document_model
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.rich_text import expand_db_html

from coachhouse.sanitise import (
    SanitisedRichTextBlock,
    SanitisedRichTextField,
    clean_html,
    safe_url,
)
from lessons.blocks import PROSE_FEATURES
from tests.coachhouse.test_xss import public_sinks
from tests.factories import sign_in_to_admin

PROJECT_APPS = {"coachhouse", "accounts", "course", "lessons", "coaching"}


# No raw HTML, and every rich text cleaned


def blocks_in(block):
    """The block and every block nested in it: struct and stream children, list items."""
    yield block
    children = list(getattr(block, "child_blocks", {}).values())
    if isinstance(block, blocks.ListBlock):
        children.append(block.child_block)
    for child in children:
        yield from blocks_in(child)


def every_stream_block() -> list[tuple[str, blocks.Block]]:
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                label = f"{model._meta.label}.{field.name}"
                found += [(label, block) for block in blocks_in(field.stream_block)]
    return found


def test_the_block_walk_finds_raw_html_hidden_deep_in_a_tree():
    hidden = blocks.StreamBlock(
        [("card", blocks.StructBlock([("items", blocks.ListBlock(blocks.RawHTMLBlock()))]))]
    )

    assert any(isinstance(block, blocks.RawHTMLBlock) for block in blocks_in(hidden))


def test_no_page_setting_or_snippet_can_hold_raw_html():
    found = every_stream_block()

    labels = {label for label, _ in found}
    assert {"coachhouse.ArticlePage.body", "lessons.LessonPage.body"} <= labels
    assert "coachhouse.SiteSettings.header_links" in labels
    raw = [label for label, block in found if isinstance(block, blocks.RawHTMLBlock)]
    assert raw == []


def test_every_rich_text_block_cleans_its_html():
    rich = [
        (label, block)
        for label, block in every_stream_block()
        if isinstance(block, blocks.RichTextBlock)
    ]

    assert len(rich) >= 4  # prose and tips, in articles and lessons
    assert [label for label, block in rich if not isinstance(block, SanitisedRichTextBlock)] == []


def test_every_rich_text_field_of_the_project_cleans_its_html():
    fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        for field in model._meta.get_fields()
        if isinstance(field, RichTextField)
    ]
    unsafe = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        for field in model._meta.local_fields
        if isinstance(field, RichTextField) and not isinstance(field, SanitisedRichTextField)
    ]

    assert {"course.CoursePage.intro", "coaching.WaitListPage.intro"} <= set(fields)
    assert unsafe == []


# The cleaner itself


@pytest.mark.django_db
def test_what_wagtails_editor_saves_is_kept_exactly():
    converter = ContentstateConverter(features=PROSE_FEATURES)
    html = (
        "<h2>Start here</h2><p>Some <b>bold</b> and <i>italic</i> text,<br/>a break, "
        '<a href="https://example.com/a?b=1&amp;c=2">a link</a>, '
        '<a linktype="page" id="3">a page</a> and '
        '<a linktype="document" id="4">a worksheet</a>.</p>'
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol><h3>Then</h3>"
    )
    saved_by_editor = converter.to_database_format(converter.from_database_format(html))

    assert 'data-block-key="' in saved_by_editor
    assert clean_html(saved_by_editor) == saved_by_editor


def test_the_demo_sites_rich_text_is_kept_exactly():
    from coachhouse.demo import content

    def html_in(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from html_in(item)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from html_in(item)
        elif isinstance(value, str) and value.lstrip().startswith("<"):
            yield value

    texts = list(html_in([content.ARTICLES, content.COURSE]))

    assert len(texts) > 10
    assert [text for text in texts if clean_html(text) != text] == []


def test_images_and_links_placed_by_wagtail_survive_cleaning():
    html = (
        '<p><a linktype="page" id="3">p</a><a href="mailto:a@example.com">m</a></p>'
        '<embed alt="A chart &quot;2026&quot;" embedtype="image" format="left" id="7"/>'
    )

    assert clean_html(html) == html


TAGS = ["p", "a", "b", "script", "img", "svg", "iframe", "embed", "style", "h2", "li", "math"]
ATTRIBUTES = ["href", "src", "onerror", "onload", "style", "linktype", "id", "embedtype", "srcdoc"]
VALUES = ["javascript:alert(1)", "java\tscript:x", "x", "/page/", "https://e.x", '"><b', "3"]


@strategies.composite
def hostile_html(draw):
    parts = []
    for _ in range(draw(strategies.integers(1, 8))):
        tag = draw(strategies.sampled_from(TAGS))
        attrs = " ".join(
            f'{draw(strategies.sampled_from(ATTRIBUTES))}="{draw(strategies.sampled_from(VALUES))}"'
            for _ in range(draw(strategies.integers(0, 3)))
        )
        text = draw(strategies.text(max_size=20))
        closing = draw(strategies.booleans())
        parts.append(f"<{tag} {attrs}>{text}" + (f"</{tag}>" if closing else ""))
    return "".join(parts)


@pytest.mark.django_db
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(hostile_html())
def test_cleaned_html_never_executes_once_rendered_and_cleaning_twice_changes_nothing(html):
    cleaned = clean_html(html)

    assert public_sinks(expand_db_html(cleaned)) == []
    assert clean_html(cleaned) == cleaned


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:x",
        "vbscript:x",
        "data:text/html,x",
        "\x00javascript:x",
        "java script:x",
    ],
)
def test_script_addresses_are_not_safe_urls(url):
    assert safe_url(url) == ""


@pytest.mark.parametrize(
    "url", ["https://example.com/", "http://x.example/a", "/learn/", "mailto:a@b.c", "tel:+44"]
)
def test_ordinary_addresses_are_safe_urls(url):
    assert safe_url(url) == url


# Links and images in rich text, rendered


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_page_and_document_links_and_images_in_rich_text_still_work(client, site_tree, media):
    lesson, other = site_tree["lessons"][0], site_tree["lessons"][1]
    document = wagtail_factories.DocumentFactory(title="Worksheet")
    image = wagtail_factories.ImageFactory(title="Chart")
    lesson.body = [
        {
            "type": "rich_text",
            "value": (
                f'<p>Read <a linktype="page" id="{other.pk}">the next lesson</a> and '
                f'<a linktype="document" id="{document.pk}">the worksheet</a>.'
                f'<script>alert(1)</script></p><embed alt="A chart" embedtype="image" '
                f'format="fullwidth" id="{image.pk}"/>'
            ),
        }
    ]
    lesson.save_revision().publish()

    soup = BeautifulSoup(client.get(lesson.url).content, "html.parser")
    prose = soup.select_one(".prose")

    assert prose.find("a", string="the next lesson")["href"] == other.url
    assert prose.find("a", string="the worksheet")["href"] == document.url
    assert prose.find("img")["alt"] == "A chart"
    assert prose.find("script") is None


# Documents and images


@pytest.mark.django_db
def test_documents_are_served_by_wagtails_view_as_downloads_that_cannot_run(client, media):
    document = wagtail_factories.DocumentFactory(
        title="Contacts", file__filename="contacts.csv", file__data=b"name,email\nAda,a@b.c\n"
    )

    assert re.fullmatch(rf"/documents/{document.pk}/contacts\w*\.csv", document.url)
    response = client.get(document.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"name,email\nAda,a@b.c\n"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def editor_client(client, django_user_model):
    sign_in_to_admin(client, django_user_model.objects.create_superuser(email="editor@example.com"))
    return client


def upload_document(client, filename: str, data: bytes = b"hello"):
    return client.post(
        "/admin/documents/add/",
        {
            "title": filename,
            "file": SimpleUploadedFile(filename, data),
            "collection": Collection.get_first_root_node().pk,
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize("filename", ["page.html", "drawing.svg", "run.js", "setup.exe"])
def test_editors_cannot_upload_documents_a_browser_would_run(editor_client, media, filename):
    response = upload_document(editor_client, filename, b"<script>alert(1)</script>")

    assert response.status_code == 200
    text = BeautifulSoup(response.content, "html.parser").get_text(" ")
    assert f"File extension “{filename.split('.')[-1]}” is not allowed" in text
    assert not get_document_model().objects.exists()


@pytest.mark.django_db
def test_editors_can_upload_a_worksheet(editor_client, media):
    response = upload_document(editor_client, "worksheet.pdf", b"%PDF-1.4\n")

    assert response.status_code == 302
    assert get_document_model().objects.get().title == "worksheet.pdf"


def image_file(name: str, size: tuple[int, int], mode: str = "RGB", fmt: str = "PNG"):
    buffer = io.BytesIO()
    PILImage.new(mode, size).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload_image(client, file):
    return client.post(
        "/admin/images/add/",
        {"title": file.name, "file": file, "collection": Collection.get_first_root_node().pk},
    )


@pytest.mark.django_db
def test_editors_can_upload_a_photo(editor_client, media):
    response = upload_image(editor_client, image_file("photo.png", (1200, 800)))

    assert response.status_code == 302
    assert get_image_model().objects.get().width == 1200


@pytest.mark.django_db
def test_an_svg_image_is_refused(editor_client, media):
    svg = SimpleUploadedFile(
        "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    )

    response = upload_image(editor_client, svg)

    assert "Not a supported image format" in response.content.decode()
    assert not get_image_model().objects.exists()


@pytest.mark.django_db
def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(editor_client, media):
    # 10,000 × 6,000 one-bit pixels: a tiny file that would take 240 MB to decode as RGBA.
    response = upload_image(editor_client, image_file("huge.png", (10_000, 6_000), mode="1"))

    assert "This file has too many pixels" in response.content.decode()
    assert not get_image_model().objects.exists()


@pytest.mark.django_db
def test_an_image_file_over_ten_megabytes_is_refused(editor_client, media):
    big = image_file("big.png", (100, 100))
    big = SimpleUploadedFile("big.png", big.read() + b"\0" * (10 * 1024 * 1024))

    response = upload_image(editor_client, big)

    assert "This file is too big" in response.content.decode()
    assert not get_image_model().objects.exists()
