"""Requests that arrive together, on PostgreSQL: the database keeps the wait list right.

Each scenario releases its threads at once through a `threading.Barrier` (every thread has
connected to the database first) and is repeated over a few rounds, because one lucky
interleaving proves little.
"""

import pytest

from coaching import selectors, services
from coaching.models import CoachingSettings, WaitListEntry
from coaching.services import JoinDetails
from tests.concurrency import run_together
from tests.factories import WaitListEntryFactory

ROUNDS = 3
THREAD_TIMEOUT = 120

pytestmark = [
    pytest.mark.postgres,
    # Serialised rollback puts back what the migrations created (the page tree, content
    # types) after each test, so tests that run later find the database as they expect.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

Status = WaitListEntry.Status

CONFIRM_SUBJECT = "Confirm your place on the coaching wait list"
ALREADY_SUBJECT = "You're already on the coaching wait list"


def spelling(email: str, n: int) -> str:
    """The n-th way of typing `email`: letters in upper or lower case, spaces around it."""
    letters = "".join(c.upper() if (n >> (i % 5)) & 1 else c for i, c in enumerate(email))
    return " " * (n % 3) + letters + " " * ((n // 3) % 2)


def details(email: str, name: str = "Ada Lovelace") -> JoinDetails:
    return JoinDetails(
        name=name, email=email, job_search_stage="applying", goals="Practise interviews."
    )


@pytest.fixture
def rounds(mailoutbox):
    """The round numbers, each starting from an empty wait list and an empty outbox."""
    CoachingSettings.load()  # up front: threads must not race to create the settings row

    def fresh_rounds():
        for round_ in range(ROUNDS):
            WaitListEntry.objects.all().delete()
            mailoutbox.clear()
            yield round_

    return fresh_rounds()


def waiting_people(count: int) -> list[WaitListEntry]:
    return [WaitListEntryFactory(waiting=True) for _ in range(count)]


def test_twenty_joins_at_once_with_spellings_of_one_email_make_one_entry(rounds, mailoutbox):
    for round_ in rounds:
        email = f"ada.round{round_}@example.com"
        spellings = [spelling(email, n) for n in range(20)]
        assert len(set(spellings)) == 20

        results = run_together(
            [
                lambda typed=typed: services.waitlist_join(details=details(typed))
                for typed in spellings
            ]
        )

        entry = WaitListEntry.objects.get()
        assert entry.email == email, f"round {round_}"
        assert {joined.pk for joined, _ in results} == {entry.pk}, f"round {round_}"
        assert sum(created for _, created in results) == 1, f"round {round_}"
        assert entry.events.count() == 1, f"round {round_}"
        subjects = sorted(message.subject for message in mailoutbox)
        assert subjects == [CONFIRM_SUBJECT] + [ALREADY_SUBJECT] * 19, f"round {round_}"
        assert {tuple(message.to) for message in mailoutbox} == {(email,)}, f"round {round_}"


def test_fifty_joins_then_fifty_confirmations_at_once_give_places_one_to_fifty(rounds, mailoutbox):
    for round_ in rounds:
        people = [(f"Person {n}", f"person{n}.round{round_}@example.com") for n in range(50)]

        joined = run_together(
            [lambda p=p: services.waitlist_join(details=details(p[1], name=p[0])) for p in people]
        )
        assert all(created for _, created in joined), f"round {round_}"
        assert WaitListEntry.objects.count() == 50, f"round {round_}"

        run_together([lambda e=entry: services.waitlist_confirm(entry=e) for entry, _ in joined])

        queue = list(selectors.waiting_queue())
        assert [selectors.entry_position(entry) for entry in queue] == list(range(1, 51)), (
            f"round {round_}"
        )
        assert [e.confirmed_at for e in queue] == sorted(e.confirmed_at for e in queue)
        for entry in queue:
            assert entry.events.filter(to_status=Status.WAITING).count() == 1, f"round {round_}"
        confirmed = [m for m in mailoutbox if m.subject.startswith("You're on the wait list")]
        assert len(confirmed) == 50, f"round {round_}"


def test_two_coaches_inviting_at_once_never_invite_anyone_twice(rounds, mailoutbox):
    for round_ in rounds:
        waiting_people(12)

        first, second = run_together([lambda: services.waitlist_invite_next(count=5)] * 2)

        assert not {e.pk for e in first} & {e.pk for e in second}, f"round {round_}"
        invited = WaitListEntry.objects.filter(status=Status.INVITED)
        assert invited.count() == len(first) + len(second), f"round {round_}"
        assert sorted(m.to[0] for m in mailoutbox) == sorted(e.email for e in invited)
        for entry in invited:
            assert entry.events.filter(to_status=Status.INVITED).count() == 1, f"round {round_}"


def test_two_coaches_inviting_the_next_five_at_once_invite_five_in_total(rounds, mailoutbox):
    """Both coaches were shown the same queue; one round of invitations goes out, not two."""
    for round_ in rounds:
        waiting_people(12)
        seen = services.waitlist_queue_version()

        def invite_next_five(seen=seen):
            try:
                return services.waitlist_invite_next(count=5, seen_version=seen)
            except services.QueueChanged:
                return []

        results = run_together([invite_next_five] * 2)

        assert sorted(len(r) for r in results) == [0, 5], f"round {round_}"
        assert WaitListEntry.objects.filter(status=Status.INVITED).count() == 5, f"round {round_}"
        assert len(mailoutbox) == 5, f"round {round_}"
