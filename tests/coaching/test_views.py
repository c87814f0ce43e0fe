"""What people get from the wait list's pages and emails: join, confirm, status, leave, invite."""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.urls import reverse
from wagtail.models import Site

from coachhouse.models import SiteSettings
from coaching import services, tokens
from coaching.models import WaitListEntry, WaitListEvent
from course import services as course_services
from tests.factories import (
    CoachingPackageFactory,
    UserFactory,
    WaitListEntryFactory,
    WaitListPageFactory,
)

Status = WaitListEntry.Status

NEXT_IN_LINE = "You’re number 1 · you’re next in line"
RATE_LIMITED = "That's a lot of sign-ups from here in a short time."
CHECK_EMAIL = "Check your email"


@pytest.fixture
def waitlist_page(site_tree):
    return WaitListPageFactory(parent=site_tree["home"])


@pytest.fixture
def send_mail_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the emails) of everything done inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def join_data(**overrides) -> dict:
    return {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "job_search_stage": "applying",
        "goals": "Practise interviews for analyst roles.",
        **overrides,
    }


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def url_in(message, path_prefix: str) -> str:
    """The path of the first link in an email's text body that starts with `path_prefix`."""
    match = re.search(rf"https?://\S+?({re.escape(path_prefix)}\S+)", message.body)
    assert match, f"no {path_prefix} link in: {message.body!r}"
    return urlsplit(match.group(1)).path


def leave_url_in(message) -> str:
    match = re.search(r"^Leave the wait list: (\S+)$", message.body, re.MULTILINE)
    assert match, f"no leave link in: {message.body!r}"
    return match.group(1)


def status_path(entry) -> str:
    return reverse("coaching:status", args=[tokens.make_token(entry, tokens.STATUS)])


def leave_form_action(response) -> str:
    match = re.search(r'<form method="post" action="([^"]+/leave/)">', response.content.decode())
    assert match, "the page has no leave form"
    return match.group(1)


# Joining ----------------------------------------------------------------------------------


def test_new_and_known_email_get_the_same_answer_and_the_known_person_an_email(
    client, waitlist_page, mailoutbox, send_mail_on_commit
):
    with send_mail_on_commit():
        new = client.post(waitlist_page.url, join_data())
    with send_mail_on_commit():
        known = client.post(waitlist_page.url, join_data(email=" ADA@Example.com ", name="Eve"))

    assert new.status_code == known.status_code == 302
    assert new["Location"] == known["Location"] == waitlist_page.url + "?joined=1"
    new_page, known_page = client.get(new["Location"]), client.get(known["Location"])
    assert new_page.content == known_page.content
    assert CHECK_EMAIL in text_of(new_page)
    assert WaitListEntry.objects.get().name == "Ada Lovelace"
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["ada@example.com"], "Confirm your place on the coaching wait list"),
        (["ada@example.com"], "You're already on the coaching wait list"),
    ]


@pytest.mark.parametrize(
    ("data", "fields_in_error"),
    [
        pytest.param({}, {"name", "email", "job_search_stage", "goals"}, id="missing-fields"),
        pytest.param(join_data(goals="x" * 10_000), {"goals"}, id="10000-char-goals"),
        pytest.param(join_data(name="Ada\x00Lovelace"), {"name"}, id="nul-byte"),
        pytest.param(join_data(email="ada@@example"), {"email"}, id="bad-email"),
        pytest.param(join_data(job_search_stage="astronaut"), {"job_search_stage"}, id="bad-stage"),
    ],
)
def test_bad_input_gets_400_with_field_errors_and_saves_nothing(
    client, waitlist_page, mailoutbox, send_mail_on_commit, data, fields_in_error
):
    with send_mail_on_commit():
        response = client.post(waitlist_page.url, data)

    assert response.status_code == 400
    assert set(response.context["form"].errors) == fields_in_error
    assert response.content.decode().count('class="field__error"') >= len(fields_in_error)
    assert not WaitListEntry.objects.exists()
    assert mailoutbox == []


def test_the_fourth_join_with_one_email_within_the_hour_is_refused_kindly(
    client, waitlist_page, mailoutbox, send_mail_on_commit
):
    for email in ("ada@example.com", "ADA@example.com", " Ada@Example.com "):
        with send_mail_on_commit():
            assert client.post(waitlist_page.url, join_data(email=email)).status_code == 302

    with send_mail_on_commit():
        response = client.post(waitlist_page.url, join_data(email="ada@EXAMPLE.com"))

    assert response.status_code == 429
    assert RATE_LIMITED in text_of(response)
    assert WaitListEntry.objects.count() == 1
    assert len(mailoutbox) == 3


def test_the_eleventh_join_from_one_address_within_the_hour_is_refused(client, waitlist_page):
    for n in range(10):
        response = client.post(waitlist_page.url, join_data(email=f"person{n}@example.com"))
        assert response.status_code == 302

    response = client.post(waitlist_page.url, join_data(email="eleventh@example.com"))

    assert response.status_code == 429
    assert RATE_LIMITED in text_of(response)
    assert WaitListEntry.objects.count() == 10


def test_a_signed_in_learner_finds_the_form_prefilled_with_their_email(client, waitlist_page):
    learner = UserFactory(email="sam@example.com", first_name="Sam", last_name="Taylor")
    client.force_login(learner)

    response = client.get(waitlist_page.url)

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<input type="email" name="email" value="sam@example.com"', page)
    assert 'value="Sam Taylor"' in page
    assert 'name="share_reflections"' in page


def test_a_visitor_is_not_offered_to_share_course_reflections(client, waitlist_page):
    response = client.get(waitlist_page.url)

    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
    assert 'name="share_reflections"' not in response.content.decode()


def test_a_signed_in_learner_joining_with_their_email_is_linked_and_shares(client, waitlist_page):
    learner = UserFactory(email="sam@example.com")
    client.force_login(learner)

    client.post(waitlist_page.url, join_data(email="Sam@Example.com", share_reflections="on"))

    entry = WaitListEntry.objects.get()
    assert (entry.user, entry.share_reflections) == (learner, True)


def test_a_learner_on_the_list_sees_their_place_not_the_form_even_after_changing_address(
    client, waitlist_page
):
    learner = UserFactory(email="sam@example.com")
    client.force_login(learner)
    client.post(waitlist_page.url, join_data(email="sam@example.com"))
    services.waitlist_confirm(entry=WaitListEntry.objects.get())

    before = text_of(client.get(waitlist_page.url))
    learner.email = "sam.new@example.com"  # as allauth's change of address leaves it
    learner.save()
    after = text_of(client.get(waitlist_page.url))

    for page in (before, after):
        assert "You’re on the list" in page
        assert "You’re number 1 · you’re next in line" in page
        assert "Join the wait list</button>" not in page


# Confirming -------------------------------------------------------------------------------


def test_opening_the_confirm_link_changes_nothing_and_pressing_the_button_confirms(
    client, waitlist_page, mailoutbox, send_mail_on_commit
):
    with send_mail_on_commit():
        client.post(waitlist_page.url, join_data())
    confirm_path = url_in(mailoutbox[0], "/waitlist/confirm/")

    opened = client.get(confirm_path)

    assert opened.status_code == 200
    assert "Confirm my place</button>" in opened.content.decode()
    entry = WaitListEntry.objects.get()
    assert entry.status == Status.UNCONFIRMED
    assert entry.confirmed_at is None
    assert list(entry.events.values_list("to_status", flat=True)) == [Status.UNCONFIRMED]

    with send_mail_on_commit():
        pressed = client.post(confirm_path)

    assert pressed.status_code == 302
    assert urlsplit(pressed["Location"]).path.startswith("/waitlist/status/")
    status_page = client.get(pressed["Location"])
    assert status_page.status_code == 200
    assert NEXT_IN_LINE in text_of(status_page)
    assert status_page.context["position"] == 1
    assert WaitListEntry.objects.get().status == Status.WAITING
    assert mailoutbox[-1].subject == "You're on the wait list: number 1"


def test_pressing_confirm_again_keeps_the_place(db, client, mailoutbox, send_mail_on_commit):
    entry = WaitListEntryFactory()
    path = reverse("coaching:confirm", args=[tokens.make_token(entry, tokens.CONFIRM)])
    with send_mail_on_commit():
        client.post(path)
    confirmed_at = WaitListEntry.objects.get().confirmed_at

    with send_mail_on_commit():
        again = client.post(path, follow=True)

    assert again.status_code == 200
    assert NEXT_IN_LINE in text_of(again)
    assert WaitListEntry.objects.get().confirmed_at == confirmed_at
    assert len(mailoutbox) == 1


def _tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize("purpose", [tokens.CONFIRM, tokens.STATUS, tokens.INVITATION])
@pytest.mark.parametrize(
    "make_bad_token",
    [
        pytest.param(
            lambda entry, purpose: _tampered(tokens.make_token(entry, purpose)), id="tampered"
        ),
        pytest.param(
            lambda entry, purpose: signing.TimestampSigner(
                key="not-the-site-secret", salt=purpose
            ).sign(entry.public_id.hex),
            id="forged",
        ),
        pytest.param(
            lambda entry, purpose: tokens.make_token(
                entry, tokens.INVITATION if purpose != tokens.INVITATION else tokens.CONFIRM
            ),
            id="another-links-token",
        ),
        pytest.param(lambda entry, purpose: "not-a-token", id="garbage"),
    ],
)
def test_a_bad_token_gets_404_and_changes_nothing(client, db, purpose, make_bad_token):
    entry = WaitListEntryFactory(status=Status.INVITED)
    token = make_bad_token(entry, purpose)
    name = {tokens.CONFIRM: "confirm", tokens.STATUS: "status", tokens.INVITATION: "invitation"}

    url = reverse(f"coaching:{name[purpose]}", args=[token])
    responses = [client.get(url), client.post(url, {"action": "decline", **join_data()})]
    if purpose == tokens.STATUS:
        responses.append(client.post(reverse("coaching:leave", args=[token])))

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert WaitListEntry.objects.get().status == Status.INVITED
    assert not WaitListEvent.objects.exists()


def test_a_link_for_a_removed_entry_gets_404(client, db):
    entry = WaitListEntryFactory()
    path = status_path(entry)
    entry.delete()

    assert client.get(path).status_code == 404


# The status page --------------------------------------------------------------------------


def test_the_answers_form_updates_the_answers(client, db):
    entry = WaitListEntryFactory(waiting=True)
    path = status_path(entry)

    response = client.post(
        path, {"name": "Ada L.", "job_search_stage": "interviewing", "goals": "Salary talks."}
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.name, entry.job_search_stage, entry.goals) == (
        "Ada L.",
        "interviewing",
        "Salary talks.",
    )
    assert "Your answers are saved." in text_of(client.get(response["Location"]))


def test_bad_answers_get_400_and_keep_the_old_ones(client, db):
    entry = WaitListEntryFactory(waiting=True, goals="Old goals.")

    response = client.post(
        status_path(entry), {"name": "", "job_search_stage": "applying", "goals": "x" * 10_000}
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "goals"}
    assert WaitListEntry.objects.get().goals == "Old goals."


def test_leaving_withdraws_and_the_page_offers_to_join_again(client, db):
    entry = WaitListEntryFactory(waiting=True)
    page = client.get(status_path(entry))

    response = client.post(leave_form_action(page), follow=True)

    assert WaitListEntry.objects.get().status == Status.WITHDRAWN
    text = text_of(response)
    assert "You've left the wait list." in text
    assert "Join the list again</button>" in text
    assert "Leave the wait list</button>" not in text


def test_joining_again_from_the_status_page_goes_to_the_end(client, db):
    first = WaitListEntryFactory(waiting=True)
    other = WaitListEntryFactory(waiting=True)
    services.waitlist_withdraw(entry=first)

    response = client.post(
        reverse("coaching:rejoin", args=[tokens.make_token(first, tokens.STATUS)])
    )

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.context["position"] == 2
    assert WaitListEntry.objects.get(pk=other.pk).status == Status.WAITING


# Emails -----------------------------------------------------------------------------------


def test_every_wait_list_email_has_a_working_leave_link_and_a_list_unsubscribe_header(
    client, waitlist_page, mailoutbox, send_mail_on_commit
):
    # Each step commits before the next, as separate requests would.
    with send_mail_on_commit():
        client.post(waitlist_page.url, join_data())  # the confirmation email
    with send_mail_on_commit():
        client.post(waitlist_page.url, join_data())  # "you're already on the list"
    with send_mail_on_commit():
        entry = services.waitlist_confirm(entry=WaitListEntry.objects.get())  # "you're on it"
    with send_mail_on_commit():
        services.waitlist_invite(entry=entry)  # the invitation
    assert [m.subject for m in mailoutbox] == [
        "Confirm your place on the coaching wait list",
        "You're already on the coaching wait list",
        "You're on the wait list: number 1",
        "A coaching place is yours, Ada Lovelace",
    ]

    for message in mailoutbox:
        leave_url = leave_url_in(message)
        assert message.message()["List-Unsubscribe"] == f"<{leave_url}>", message.subject
        html_body = message.alternatives[0].content
        assert f'<a href="{html.escape(leave_url)}"' in html_body, message.subject
        assert "Leave the wait list</a>" in html_body, message.subject
        page = client.get(urlsplit(leave_url).path)
        assert page.status_code == 200, message.subject
        assert "Leave the wait list</button>" in page.content.decode(), message.subject

    client.post(leave_form_action(page))

    assert WaitListEntry.objects.get().status == Status.WITHDRAWN


# The invitation ---------------------------------------------------------------------------


@pytest.fixture
def invitation_path(db, mailoutbox, send_mail_on_commit):
    WaitListEntryFactory(waiting=True)
    with send_mail_on_commit():
        services.waitlist_invite_next(count=1)
    return url_in(mailoutbox[-1], "/waitlist/invitation/")


def test_the_invitation_offers_only_active_packages(client, invitation_path):
    CoachingPackageFactory(name="Kick-start", price_minor=45000)
    CoachingPackageFactory(name="Retired bundle", active=False)

    response = client.get(invitation_path)

    assert response.status_code == 200
    text = text_of(response)
    assert "Kick-start" in text
    assert "£450.00" in text
    assert "Retired bundle" not in text
    assert "No thanks, not right now</button>" in text


def test_declining_the_invitation_frees_the_place(client, invitation_path):
    response = client.post(invitation_path, {"action": "decline"})

    assert response.status_code == 302
    assert WaitListEntry.objects.get().status == Status.DECLINED
    page = text_of(client.get(response["Location"]))
    assert "Thank you for letting me know." in page
    assert "This invitation is no longer open." in page

    again = client.post(invitation_path, {"action": "decline"}, follow=True)

    assert again.status_code == 200
    assert "so they can't be marked declined" in text_of(again)
    assert WaitListEntry.objects.get().status == Status.DECLINED


# The course's completion page -------------------------------------------------------------


@pytest.fixture
def graduate_client(client, site_tree):
    learner = UserFactory()
    course = site_tree["course"]
    course_services.enrolment_create(user=learner, course=course)
    for lesson in site_tree["lessons"]:
        course_services.lesson_complete(user=learner, lesson=lesson)
    client.force_login(learner)
    return client


def completed_path(site_tree) -> str:
    return reverse("course:completed", args=[site_tree["course"].pk])


def test_the_course_completion_page_links_to_the_wait_list_page(
    graduate_client, site_tree, waitlist_page
):
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    site_settings.coaching_page = waitlist_page
    site_settings.save()

    response = graduate_client.get(completed_path(site_tree))

    assert response.status_code == 200
    assert f'<a class="button" href="{waitlist_page.url}">Join the coaching wait list</a>' in (
        response.content.decode()
    )


def test_the_course_completion_page_has_no_wait_list_link_when_none_is_chosen(
    graduate_client, site_tree, waitlist_page
):
    response = graduate_client.get(completed_path(site_tree))

    assert response.status_code == 200
    assert "Join the coaching wait list" not in response.content.decode()
