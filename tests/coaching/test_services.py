"""The wait list's lifecycle as its services write it and its selectors read it."""

import datetime
import itertools

import pytest
from django.core.management import call_command
from django.utils import timezone

from coaching import selectors, services
from coaching.models import CoachingSettings, WaitListEntry, WaitListEvent
from coaching.services import TRANSITIONS, JoinDetails, TransitionNotAllowed
from course.models import Enrolment
from tests.factories import UserFactory, WaitListEntryFactory

Status = WaitListEntry.Status

ALLOWED = sorted((src, dst) for src, targets in TRANSITIONS.items() for dst in targets)
FORBIDDEN = sorted(
    (src, dst)
    for src, dst in itertools.product(Status.values, Status.values)
    if dst not in TRANSITIONS[src]
)

CONFIRM_SUBJECT = "Confirm your place on the coaching wait list"
ALREADY_SUBJECT = "You're already on the coaching wait list"


def details(**overrides) -> JoinDetails:
    fields = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "job_search_stage": WaitListEntry.Stage.APPLYING,
        "goals": "Practise interviews for analyst roles.",
        "share_reflections": False,
        **overrides,
    }
    return JoinDetails(**fields)


def coaching_settings(**values) -> CoachingSettings:
    settings = CoachingSettings.load()
    for field, value in values.items():
        setattr(settings, field, value)
    settings.save()
    return settings


def entry_in(status: str, **fields) -> WaitListEntry:
    """An entry already in `status`, with the timestamps that status implies."""
    now = timezone.now()
    if status != Status.UNCONFIRMED:
        fields.setdefault("confirmed_at", now)
    if status not in (Status.UNCONFIRMED, Status.WAITING, Status.WITHDRAWN):
        fields.setdefault("invited_at", now)
        fields.setdefault("invitation_expires_at", now + datetime.timedelta(days=7))
    fields.setdefault("name", "Ada Lovelace")
    return WaitListEntryFactory(status=status, **fields)


def confirmed(*names: str) -> list[WaitListEntry]:
    """People who joined and confirmed, in the order given."""
    return [
        services.waitlist_confirm(
            entry=WaitListEntryFactory(name=name, email=f"{name}@example.com")
        )
        for name in names
    ]


def positions(*entries) -> list[int | None]:
    return [selectors.entry_position(WaitListEntry.objects.get(pk=e.pk)) for e in entries]


# The lifecycle ----------------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_every_allowed_transition_changes_the_status_and_records_an_event_with_its_time(
    db, from_status, to_status
):
    entry = entry_in(from_status)
    before = timezone.now()

    services._transition(entry, to_status, note="by the test")

    after = timezone.now()
    entry.refresh_from_db()
    assert entry.status == to_status
    event = WaitListEvent.objects.get(entry=entry)
    assert (event.from_status, event.to_status) == (from_status, to_status)
    assert event.note == "by the test"
    assert before <= event.at <= after
    assert entry.status_changed_at == event.at


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_every_forbidden_transition_raises_a_readable_error_and_changes_nothing(
    db, from_status, to_status
):
    entry = entry_in(from_status)
    stored = WaitListEntry.objects.filter(pk=entry.pk).values().get()

    with pytest.raises(TransitionNotAllowed) as raised:
        services._transition(entry, to_status)

    current, wanted = Status(from_status).label.lower(), Status(to_status).label.lower()
    assert str(raised.value) == f"Ada Lovelace is {current}, so they can't be marked {wanted}."
    assert WaitListEntry.objects.filter(pk=entry.pk).values().get() == stored
    assert not WaitListEvent.objects.exists()


def test_forbidden_transition_message_reads_as_a_sentence_for_the_coach(db):
    entry = entry_in(Status.BOOKED, name="Grace Hopper")

    with pytest.raises(
        TransitionNotAllowed, match=r"^Grace Hopper is booked, so they can't be marked waiting\.$"
    ):
        services.waitlist_rejoin(entry=entry)


@pytest.mark.parametrize(
    ("status", "service"),
    [
        (Status.WAITING, services.waitlist_decline),
        (Status.UNCONFIRMED, services.waitlist_mark_booked),
        (Status.INVITED, services.waitlist_invite),
        (Status.BOOKED, services.waitlist_withdraw),
        (Status.WAITING, services.waitlist_rejoin),
    ],
)
def test_public_services_refuse_a_forbidden_change_and_leave_the_entry_as_it_was(
    db, status, service
):
    entry = entry_in(status)
    stored = WaitListEntry.objects.filter(pk=entry.pk).values().get()

    with pytest.raises(TransitionNotAllowed):
        service(entry=entry)

    assert WaitListEntry.objects.filter(pk=entry.pk).values().get() == stored
    assert not WaitListEvent.objects.exists()


def test_a_stale_copy_cannot_overwrite_a_change_made_meanwhile(db):
    entry = entry_in(Status.WAITING)
    stale = WaitListEntry.objects.get(pk=entry.pk)
    services.waitlist_withdraw(entry=entry)

    with pytest.raises(TransitionNotAllowed):
        services._transition(stale, Status.INVITED)

    assert WaitListEntry.objects.get(pk=entry.pk).status == Status.WITHDRAWN
    assert stale.status == Status.WITHDRAWN, "the stale copy is refreshed to tell the truth"
    assert list(WaitListEvent.objects.values_list("to_status", flat=True)) == [Status.WITHDRAWN]


def test_events_record_the_coach_who_made_the_change(db):
    coach = UserFactory(is_staff=True)
    entry = entry_in(Status.WAITING)

    services.waitlist_invite(entry=entry, actor=coach)

    assert WaitListEvent.objects.get(entry=entry).actor == coach


# Joining and confirming -------------------------------------------------------------------


def test_join_stores_the_email_trimmed_and_lower_case(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry, created = services.waitlist_join(details=details(email=" Ada@Example.COM "))

    assert created is True
    assert WaitListEntry.objects.get(pk=entry.pk).email == "ada@example.com"
    assert entry.status == Status.UNCONFIRMED
    event = WaitListEvent.objects.get(entry=entry)
    assert (event.from_status, event.to_status) == ("", Status.UNCONFIRMED)


def test_joining_again_with_a_case_variant_adds_nobody_and_emails_the_person_on_the_list(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, first_created = services.waitlist_join(details=details(email=" Ada@Example.COM "))
        second, second_created = services.waitlist_join(
            details=details(email="ADA@example.com", name="Someone Else", goals="Other goals.")
        )

    assert (first_created, second_created) == (True, False)
    assert second.pk == first.pk
    assert WaitListEntry.objects.count() == 1
    kept = WaitListEntry.objects.get()
    assert (kept.name, kept.goals) == ("Ada Lovelace", "Practise interviews for analyst roles.")
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["ada@example.com"], CONFIRM_SUBJECT),
        (["ada@example.com"], ALREADY_SUBJECT),
    ]


def test_emails_wait_for_the_commit(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.waitlist_join(details=details())
        assert mailoutbox == []

    assert len(mailoutbox) == 1


def test_confirming_puts_the_person_in_the_queue_and_confirming_twice_is_a_no_op(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    entry = WaitListEntryFactory()

    with django_capture_on_commit_callbacks(execute=True):
        first = services.waitlist_confirm(entry=entry)
    confirmed_at = first.confirmed_at
    with django_capture_on_commit_callbacks(execute=True):
        again = services.waitlist_confirm(entry=entry)

    again.refresh_from_db()
    assert again.status == Status.WAITING
    assert again.confirmed_at == confirmed_at
    assert list(entry.events.values_list("to_status", flat=True)) == [Status.WAITING]
    assert [m.subject for m in mailoutbox] == ["You're on the wait list: number 1"]


# Positions --------------------------------------------------------------------------------


def test_people_take_their_places_in_the_order_they_confirmed(db):
    ann, bob, cat = (WaitListEntryFactory(name=n) for n in ("Ann", "Bob", "Cat"))

    for entry in (cat, ann, bob):
        services.waitlist_confirm(entry=entry)

    assert positions(cat, ann, bob) == [1, 2, 3]


def test_only_waiting_people_have_a_position(db):
    unconfirmed = WaitListEntryFactory()
    invited = entry_in(Status.INVITED)

    assert positions(unconfirmed, invited) == [None, None]


def test_course_graduates_go_first_when_the_coach_prioritises_them(site_tree):
    course = site_tree["course"]
    graduate, dropout = UserFactory(), UserFactory()
    Enrolment.objects.create(user=graduate, course=course, completed_at=timezone.now())
    Enrolment.objects.create(user=dropout, course=course)
    stranger = WaitListEntryFactory(name="Stranger")
    started = WaitListEntryFactory(name="Started", email=dropout.email, user=dropout)
    finished = WaitListEntryFactory(name="Finished", email=graduate.email, user=graduate)
    for entry in (stranger, started, finished):
        services.waitlist_confirm(entry=entry)

    assert positions(stranger, started, finished) == [1, 2, 3]

    coaching_settings(prioritise_course_graduates=True)

    assert positions(finished, stranger, started) == [1, 2, 3]
    assert list(selectors.waiting_queue()) == [finished, stranger, started]


def test_rejoining_puts_the_person_at_the_end(db):
    ann, bob = confirmed("ann", "bob")
    services.waitlist_withdraw(entry=ann)

    services.waitlist_rejoin(entry=ann)

    assert positions(bob, ann) == [1, 2]


def test_status_counts_list_every_status(db):
    confirmed("ann", "bob")
    WaitListEntryFactory()

    counts = selectors.status_counts()

    assert counts == dict.fromkeys(Status.values, 0) | {"waiting": 2, "unconfirmed": 1}


# Invitations ------------------------------------------------------------------------------


def test_invite_next_invites_the_first_people_in_order_for_the_days_the_coach_set(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    coaching_settings(invitation_valid_days=10)
    ann, bob, cat = confirmed("ann", "bob", "cat")
    WaitListEntryFactory(name="unconfirmed")
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        invited = services.waitlist_invite_next(count=2)

    after = timezone.now()
    assert [e.pk for e in invited] == [ann.pk, bob.pk]
    for entry in (ann, bob):
        entry.refresh_from_db()
        assert entry.status == Status.INVITED
        assert before <= entry.invited_at <= after
        assert entry.invitation_expires_at == entry.invited_at + datetime.timedelta(days=10)
    assert WaitListEntry.objects.get(pk=cat.pk).status == Status.WAITING
    assert sorted((m.to[0], m.subject) for m in mailoutbox) == [
        ("ann@example.com", "A coaching place is yours, ann"),
        ("bob@example.com", "A coaching place is yours, bob"),
    ]


def test_invite_next_invites_nobody_when_nobody_waits(db):
    WaitListEntryFactory()

    assert services.waitlist_invite_next(count=3) == []
    assert services.waitlist_invite_next(count=0) == []


def test_invited_person_can_book_or_decline(db):
    ann, bob = confirmed("ann", "bob")
    services.waitlist_invite_next(count=2)

    services.waitlist_mark_booked(entry=ann, note="paid")
    services.waitlist_mark_booked(entry=ann, note="paid twice")
    services.waitlist_decline(entry=bob)

    assert WaitListEntry.objects.get(pk=ann.pk).status == Status.BOOKED
    assert WaitListEntry.objects.get(pk=bob.pk).status == Status.DECLINED
    assert list(ann.events.values_list("to_status", flat=True)) == ["waiting", "invited", "booked"]


# Expiry -----------------------------------------------------------------------------------


def test_unconfirmed_entries_older_than_seven_days_are_removed_younger_ones_kept(db):
    now = timezone.now()
    old = WaitListEntryFactory(created_at=now - datetime.timedelta(days=7, minutes=1))
    young = WaitListEntryFactory(created_at=now - datetime.timedelta(days=6, hours=23))
    old_but_confirmed = entry_in(Status.WAITING, created_at=now - datetime.timedelta(days=30))

    result = services.waitlist_expire(now=now)

    assert result["unconfirmed_removed"] == 1
    remaining = set(WaitListEntry.objects.values_list("pk", flat=True))
    assert remaining == {young.pk, old_but_confirmed.pk}
    assert not WaitListEvent.objects.filter(entry_id=old.pk).exists()


def test_expired_invitation_goes_back_to_its_place_when_the_policy_is_requeue(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    coaching_settings(expired_invitation_policy="requeue")
    ann, bob, cat = confirmed("ann", "bob", "cat")
    services.waitlist_invite_next(count=1)
    ann.refresh_from_db()
    later = ann.invitation_expires_at + datetime.timedelta(minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.waitlist_expire(now=later)

    assert result == {"unconfirmed_removed": 0, "invitations_expired": 1, "invited": 0}
    assert positions(ann, bob, cat) == [1, 2, 3]
    event = ann.events.last()
    assert (event.from_status, event.to_status, event.at) == ("invited", "waiting", later)
    assert mailoutbox == []


def test_expired_invitation_makes_way_for_the_next_person_when_the_policy_is_move_on(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    coaching_settings(expired_invitation_policy="move_on")
    ann, bob, cat = confirmed("ann", "bob", "cat")
    services.waitlist_invite_next(count=1)
    ann.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        result = services.waitlist_expire(
            now=ann.invitation_expires_at + datetime.timedelta(minutes=1)
        )

    assert result == {"unconfirmed_removed": 0, "invitations_expired": 1, "invited": 1}
    statuses = dict(WaitListEntry.objects.values_list("name", "status"))
    assert statuses == {"ann": "expired", "bob": "invited", "cat": "waiting"}
    assert [(m.to[0], m.subject) for m in mailoutbox] == [
        ("bob@example.com", "A coaching place is yours, bob")
    ]


def test_an_invitation_still_open_is_left_alone(db):
    confirmed("ann")
    services.waitlist_invite_next(count=1)

    assert services.waitlist_expire()["invitations_expired"] == 0
    assert WaitListEntry.objects.get().status == Status.INVITED


def test_coaching_expire_command_reports_what_it_did(db, capsys):
    WaitListEntryFactory(created_at=timezone.now() - datetime.timedelta(days=8))

    call_command("coaching_expire")

    assert "Removed 1 unconfirmed entries; 0 invitations expired" in capsys.readouterr().out
    assert not WaitListEntry.objects.exists()


# Sharing reflections ----------------------------------------------------------------------


def test_nobody_shares_reflections_without_a_linked_account(db):
    entry, _ = services.waitlist_join(details=details(share_reflections=True))

    assert (entry.user, entry.share_reflections) == (None, False)


def test_a_signed_in_learner_joining_with_their_own_email_is_linked_and_may_share(db):
    learner = UserFactory(email="ada@example.com")

    entry, _ = services.waitlist_join(
        details=details(email=" ADA@example.com", share_reflections=True), user=learner
    )

    entry.refresh_from_db()
    assert (entry.user, entry.share_reflections) == (learner, True)


def test_a_signed_in_learner_joining_with_another_email_is_not_linked_and_shares_nothing(db):
    learner = UserFactory(email="learner@example.com")

    entry, _ = services.waitlist_join(
        details=details(email="other@example.com", share_reflections=True), user=learner
    )

    entry.refresh_from_db()
    assert entry.user is None
    assert entry.share_reflections is False


def test_updating_answers_cannot_turn_on_sharing_without_a_linked_account(db):
    entry = WaitListEntryFactory()

    services.waitlist_update(
        entry=entry,
        name="Ada L.",
        job_search_stage=WaitListEntry.Stage.INTERVIEWING,
        goals="New goals.",
        share_reflections=True,
    )

    entry.refresh_from_db()
    assert (entry.name, entry.job_search_stage, entry.goals) == (
        "Ada L.",
        "interviewing",
        "New goals.",
    )
    assert entry.share_reflections is False
