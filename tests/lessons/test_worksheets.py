"""A worksheet in a lesson only enrolled learners can open is downloaded only by them; the
free preview's worksheet stays public."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model

from course import services
from tests.factories import UserFactory

TEXT = b"Three roles you would love."


@pytest.fixture
def worksheets(site_tree, settings, tmp_path):
    """A worksheet in the free preview (lesson 1) and one in lesson 2, enrolled-only."""
    settings.MEDIA_ROOT = tmp_path
    lessons = site_tree["lessons"]
    assert lessons[0].free_preview and not lessons[1].free_preview
    documents = []
    for lesson, name in ((lessons[0], "preview.txt"), (lessons[1], "members.txt")):
        document = get_document_model().objects.create(
            title=name, file=ContentFile(TEXT, name=name)
        )
        lesson.body.append(("worksheet", {"document": document, "title": name}))
        lesson.save_revision().publish()
        documents.append(document)
    return {"preview": documents[0], "members": documents[1], "lessons": lessons}


def download(client, document):
    return client.get(reverse("wagtaildocs_serve", args=[document.pk, document.filename]))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_anyone_downloads_the_free_previews_worksheet(worksheets):
    response = download(Client(), worksheets["preview"])

    assert response.status_code == 200
    assert body(response) == TEXT


@pytest.mark.parametrize("who", ["visitor", "signed in, not enrolled"])
def test_an_enrolled_only_worksheet_sends_others_to_its_lesson(worksheets, who):
    client = Client()
    if who != "visitor":
        client.force_login(UserFactory())

    response = download(client, worksheets["members"])

    assert response.status_code == 302
    assert response["Location"] == worksheets["lessons"][1].url


def test_an_enrolled_learner_and_an_editor_download_it(worksheets, course):
    learner, editor = UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    services.enrolment_create(user=learner, course=course)
    for user in (learner, editor):
        client = Client()
        client.force_login(user)
        response = download(client, worksheets["members"])
        assert response.status_code == 200, user
        assert body(response) == TEXT
