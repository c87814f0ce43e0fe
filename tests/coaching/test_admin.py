"""The coach's wait-list tools in the Wagtail admin: list, filter, export, invite, change status."""

import csv
import html
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.urls import reverse

from coaching import services
from coaching.models import WaitListEntry, WaitListEvent
from tests.factories import UserFactory, WaitListEntryFactory, sign_in_to_admin

Status = WaitListEntry.Status

INDEX = "/admin/coaching/wait-list/"
INVITE = "/admin/coaching/wait-list/invite/"
ALL_EMAILS = [f"{name}@example.com" for name in ("ann", "bob", "cat", "dan", "eve")]

EXPORT_HEADINGS = [
    "Name",
    "Email",
    "Status",
    "Where they are in their job search",
    "What they want from coaching",
    "Shares course reflections",
    "Created at",
    "Confirmed at",
    "Invited at",
    "Invitation expires at",
    "Status changed at",
]


@pytest.fixture
def coach(db):
    return UserFactory(email="coach@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def coach_client(client, coach):
    sign_in_to_admin(client, coach)
    return client


@pytest.fixture
def people(db):
    """Ann, Bob and Cat waiting in that order; Dan has not confirmed; Eve has left."""
    waiting = [
        services.waitlist_confirm(
            entry=WaitListEntryFactory(name=name, email=f"{name.lower()}@example.com")
        )
        for name in ("Ann", "Bob", "Cat")
    ]
    dan = WaitListEntryFactory(name="Dan", email="dan@example.com")
    eve = WaitListEntryFactory(name="Eve", email="eve@example.com", goals="Negotiate salary")
    services.waitlist_withdraw(entry=eve)
    ann, bob, cat = waiting
    return {"ann": ann, "bob": bob, "cat": cat, "dan": dan, "eve": eve}


def status_url(entry) -> str:
    return f"/admin/coaching/wait-list/status/{entry.pk}/"


def listed_emails(response) -> set[str]:
    page = response.content.decode()
    return {email for email in ALL_EMAILS if email in page}


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(content)))


def is_sent_to_admin_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/admin/login/")


def statuses() -> dict[str, str]:
    return dict(WaitListEntry.objects.values_list("name", "status"))


def test_admin_urls_are_where_the_coach_expects_them():
    assert reverse("coaching_waitlist:index") == INDEX
    assert reverse("coaching_waitlist:invite") == INVITE


# Listing, filtering, searching, exporting -------------------------------------------------


def test_the_wait_list_lists_every_entry(coach_client, people):
    response = coach_client.get(INDEX)

    assert response.status_code == 200
    assert listed_emails(response) == set(ALL_EMAILS)


def test_the_wait_list_filters_by_status(coach_client, people):
    response = coach_client.get(INDEX, {"status": "waiting"})

    assert response.status_code == 200
    assert listed_emails(response) == {"ann@example.com", "bob@example.com", "cat@example.com"}


def test_the_wait_list_searches_by_email(coach_client, people):
    response = coach_client.get(INDEX, {"q": "bob@example"})

    assert response.status_code == 200
    assert listed_emails(response) == {"bob@example.com"}


def test_the_wait_list_searches_goals(coach_client, people):
    response = coach_client.get(INDEX, {"q": "salary"})

    assert listed_emails(response) == {"eve@example.com"}


def test_csv_export_has_the_column_labels_and_one_row_per_entry(coach_client, people):
    response = coach_client.get(INDEX, {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="wait-list.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == EXPORT_HEADINGS
    assert sorted(row[1] for row in rows) == ALL_EMAILS
    by_email = {row[1]: row for row in rows}
    assert by_email["eve@example.com"][:3] == ["Eve", "eve@example.com", "withdrawn"]


def test_csv_export_respects_the_filter(coach_client, people):
    response = coach_client.get(INDEX, {"status": "waiting", "export": "csv"})

    header, *rows = csv_rows(response)
    assert header == EXPORT_HEADINGS
    assert [row[1] for row in rows] == ["ann@example.com", "bob@example.com", "cat@example.com"]


# Inviting and changing status -------------------------------------------------------------


def test_the_invite_page_shows_who_is_next(coach_client, people):
    response = coach_client.get(INVITE)

    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "3 people are waiting" in text
    assert text.index("<ann@example.com>") < text.index("<bob@example.com>")


def invite_form_data(response, count) -> dict:
    """What the coach sends from the invite page she was shown: the count and hidden fields."""
    soup = BeautifulSoup(response.content, "html.parser")
    form = soup.find("input", attrs={"name": "count"}).find_parent("form")
    hidden = {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}
    return {**hidden, "count": count}


def test_inviting_the_next_two_invites_exactly_the_first_two(
    coach_client, coach, people, mailoutbox, django_capture_on_commit_callbacks
):
    data = invite_form_data(coach_client.get(INVITE), count=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = coach_client.post(INVITE, data)

    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert statuses() == {
        "Ann": "invited",
        "Bob": "invited",
        "Cat": "waiting",
        "Dan": "unconfirmed",
        "Eve": "withdrawn",
    }
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.com", "bob@example.com"]
    assert WaitListEvent.objects.filter(to_status="invited", actor=coach).count() == 2
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Invited 2: Ann, Bob."]


def test_inviting_from_a_page_shown_before_the_queue_changed_invites_nobody(
    coach_client, people, mailoutbox, django_capture_on_commit_callbacks
):
    data = invite_form_data(coach_client.get(INVITE), count=2)
    services.waitlist_invite_next(count=1)  # another coach, meanwhile
    before = statuses()

    with django_capture_on_commit_callbacks(execute=True):
        response = coach_client.post(INVITE, data, follow=True)

    assert response.status_code == 200
    assert statuses() == before
    assert mailoutbox == []
    assert "Nobody was invited: the wait list changed" in html.unescape(response.content.decode())


@pytest.mark.parametrize("count", ["0", "51", "two", ""])
def test_inviting_a_bad_number_invites_nobody(coach_client, people, count):
    response = coach_client.post(INVITE, {"count": count})

    assert response.status_code == 200
    assert response.context["form"].errors["count"]
    assert not WaitListEntry.objects.filter(status=Status.INVITED).exists()


def test_a_forbidden_status_change_shows_an_error_and_changes_nothing(coach_client, people):
    dan = people["dan"]
    stored = WaitListEntry.objects.filter(pk=dan.pk).values().get()

    response = coach_client.post(status_url(dan), {"to": "booked"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"{INDEX}inspect/{dan.pk}/"
    assert "Dan is unconfirmed, so they can't be marked booked." in html.unescape(
        response.content.decode()
    )
    assert WaitListEntry.objects.filter(pk=dan.pk).values().get() == stored
    assert not dan.events.exclude(to_status=Status.UNCONFIRMED).exists()


def test_a_status_the_admin_does_not_offer_is_refused(coach_client, people):
    ann = people["ann"]

    response = coach_client.post(status_url(ann), {"to": "expired"})

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Choose one of the actions offered."
    ]
    assert WaitListEntry.objects.get(pk=ann.pk).status == Status.WAITING


def test_an_allowed_status_change_is_made_and_logged_with_the_coach(coach_client, coach, people):
    cat = people["cat"]

    response = coach_client.post(status_url(cat), {"to": "invited"})

    assert response.status_code == 302
    assert WaitListEntry.objects.get(pk=cat.pk).status == Status.INVITED
    assert cat.events.last().actor == coach


def test_the_inspect_view_shows_the_position_the_allowed_actions_and_the_history(
    coach_client, people
):
    response = coach_client.get(f"{INDEX}inspect/{people['bob'].pk}/")

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    text = soup.get_text(" ", strip=True)
    assert "Status: Waiting · position 2" in text
    offered = {button["value"] for button in soup.find_all("button", attrs={"name": "to"})}
    assert "invited" in offered
    assert offered <= services.TRANSITIONS[Status.WAITING]
    assert "unconfirmed → waiting" in text


def test_the_admin_home_page_shows_the_wait_list_counts(coach_client, people):
    response = coach_client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    panel = BeautifulSoup(response.content, "html.parser").find(
        "section", attrs={"aria-labelledby": "waitlist-panel-heading"}
    )
    assert panel is not None, "no wait-list panel on the admin home page"
    counts = {
        row.find_all("td")[0].get_text(strip=True): int(row.find_all("td")[1].get_text())
        for row in panel.find("tbody").find_all("tr")
    }
    assert counts == dict.fromkeys(Status.labels, 0) | {
        "Unconfirmed": 1,
        "Waiting": 3,
        "Withdrawn": 1,
    }


# Access -----------------------------------------------------------------------------------


@pytest.fixture
def learner_client(client, db):
    client.force_login(UserFactory(email="learner@example.com"))
    return client


@pytest.mark.parametrize(
    "path",
    [INDEX, f"{INDEX}?export=csv", f"{INDEX}?status=waiting", INVITE],
)
def test_a_learner_cannot_see_the_wait_list(learner_client, people, path):
    response = learner_client.get(path)

    assert is_sent_to_admin_sign_in(response)


def test_a_learner_cannot_see_an_entry(learner_client, people):
    response = learner_client.get(f"{INDEX}inspect/{people['ann'].pk}/")

    assert is_sent_to_admin_sign_in(response)


def test_a_learner_cannot_invite_or_change_a_status(learner_client, people):
    before = statuses()

    invite = learner_client.post(INVITE, {"count": 3})
    change = learner_client.post(status_url(people["ann"]), {"to": "withdrawn"})

    assert is_sent_to_admin_sign_in(invite)
    assert is_sent_to_admin_sign_in(change)
    assert statuses() == before


def test_a_visitor_is_sent_to_the_admin_sign_in(client, people):
    assert is_sent_to_admin_sign_in(client.get(INDEX))
