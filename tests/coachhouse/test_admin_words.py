"""What the coach reads in the admin: page titles, labels and the order of lessons."""

import html
import re

import pytest
from django.urls import reverse

from coaching import services
from lessons.blocks import ChecklistBlock
from tests.factories import UserFactory, WaitListEntryFactory, sign_in_to_admin


@pytest.fixture
def coach_client(client, db):
    coach = UserFactory(email="coach@example.com", is_staff=True, is_superuser=True)
    return sign_in_to_admin(client, coach)


def words_of(page: str) -> str:
    page = re.sub(r"<(script|style|template)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def words(response) -> str:
    return words_of(response.content.decode())


def test_the_invite_page_is_titled_by_what_it_does_not_home(coach_client):
    services.waitlist_confirm(entry=WaitListEntryFactory(name="Ann"))

    page = coach_client.get(reverse("coaching_waitlist:invite"))

    breadcrumbs = page.content.decode().split("w-breadcrumbs", 1)[1].split("</nav>", 1)[0]
    trail = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", breadcrumbs)).split())
    assert "Wait list" in trail and "Invite from the wait list" in trail


def test_the_entry_page_says_yes_or_no_for_sharing_reflections(coach_client):
    entry = WaitListEntryFactory(name="Ann", share_reflections=False)

    page = words(coach_client.get(reverse("coaching_waitlist:inspect", args=[entry.pk])))

    assert "Shares course reflections No" in page
    assert "False" not in page and "None" not in page


def test_a_course_lists_its_lessons_in_course_order_in_the_admin(coach_client, site_tree):
    course, lessons = site_tree["course"], site_tree["lessons"]
    lessons[0].save_revision().publish()  # the first lesson is now the latest edited

    page = coach_client.get(reverse("wagtailadmin_explore", args=[course.pk])).content.decode()
    listing = words_of(page.split("<table", 1)[1])

    positions = [listing.index(lesson.title) for lesson in lessons]
    assert positions == sorted(positions), listing


def test_checklist_items_have_a_label_in_the_editor():
    assert ChecklistBlock().child_blocks["items"].child_block.label == "Item"
