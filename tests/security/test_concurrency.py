"""Double clicks and duplicate submissions arriving together, over HTTP, on PostgreSQL.

The service-level races are in tests/course and tests/coaching (and the webhooks' over real
HTTP in tests/coaching/test_payment_concurrency.py). These send the same requests a browser
would, through the whole stack (sessions, CSRF-free test clients, views, services), from
threads released together by a barrier, over several rounds: every answer is a normal one
(no 5xx) and the database ends with exactly one row, one fulfilment, one email.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from wagtail.models import Page

from accounts.models import User
from coaching import services as coaching_services
from coaching import tokens
from coaching.models import CoachingSettings, WaitListEntry, WaitListEvent
from course import services as course_services
from course.models import Enrolment, LessonProgress, Reflection
from tests.concurrency import run_together
from tests.factories import (
    UserFactory,
    WaitListEntryFactory,
    WaitListPageFactory,
    make_site_tree,
    sign_in_to_admin,
)

ROUNDS = 3
THREADS = 10

pytestmark = [
    pytest.mark.postgres,
    # Restores the migrations' rows (root page, default locale) that flushing removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def tree(transactional_db):
    Page.objects.filter(depth=2).exact_type(Page).delete()
    home, course, lessons, _ = make_site_tree(lessons=3)
    CoachingSettings.load()  # up front: threads must not race to create the settings row
    return {"home": home, "course": course, "lessons": lessons}


@pytest.fixture
def rounds(transactional_db, mailoutbox):
    """The round numbers, each starting with an empty outbox and fresh rate limits.

    The rounds run inside one test, each with its own people and rows, so that the database
    is restored, the site tree built and everything flushed once per race rather than once a
    round: on PostgreSQL that took twice as long as the round itself.
    """

    def fresh_rounds():
        for round_ in range(ROUNDS):
            cache.clear()
            mailoutbox.clear()
            yield round_

    return fresh_rounds()


def browser() -> Client:
    """A visitor; a server error comes back as the 500 a visitor would see."""
    return Client(raise_request_exception=False)


def signed_in(user) -> Client:
    client = browser()
    client.force_login(user)
    return client


def statuses(responses) -> list[int]:
    return sorted(response.status_code for response in responses)


def test_many_clicks_on_start_the_course_enrol_once(tree, rounds, mailoutbox):
    path = reverse("course:start", args=[tree["course"].pk])
    for round_ in rounds:
        user = UserFactory()
        clients = [signed_in(user) for _ in range(THREADS)]

        responses = run_together([lambda c=c: c.post(path) for c in clients])

        assert statuses(responses) == [302] * THREADS, f"round {round_}"
        assert {r["Location"] for r in responses} == {tree["lessons"][0].url}, f"round {round_}"
        assert Enrolment.objects.filter(user=user).count() == 1, f"round {round_}"
        assert [m.to for m in mailoutbox] == [[user.email]], f"round {round_}"  # one welcome


def test_many_clicks_on_the_last_mark_complete_complete_the_course_once(tree, rounds, mailoutbox):
    course, lessons = tree["course"], tree["lessons"]
    path = reverse("course:lesson-progress", args=[lessons[-1].pk])
    for round_ in rounds:
        user = UserFactory()
        course_services.enrolment_create(user=user, course=course)
        for lesson in lessons[:-1]:
            course_services.lesson_complete(user=user, lesson=lesson)
        mailoutbox.clear()
        clients = [signed_in(user) for _ in range(THREADS)]

        responses = run_together(
            [
                lambda c=c: c.post(path, {"action": "complete"}, HTTP_ACCEPT="application/json")
                for c in clients
            ]
        )

        assert statuses(responses) == [200] * THREADS, f"round {round_}"
        assert all(r.json()["course_complete"] for r in responses), f"round {round_}"
        progress = LessonProgress.objects.filter(user=user, lesson=lessons[-1])
        assert progress.count() == 1, f"round {round_}"
        enrolment = Enrolment.objects.get(user=user)
        assert enrolment.completed_at is not None, f"round {round_}"
        # One congratulations.
        assert len(mailoutbox) == 1, (round_, [m.subject for m in mailoutbox])


def test_completing_the_last_two_lessons_at_once_completes_the_course(tree, rounds, mailoutbox):
    # Two tabs, each finishing a different lesson: whichever answers last sees both done.
    # (When each lesson's write and the read of the progress shared a transaction, each tab's
    # read could miss the other's write, and the course stayed incomplete.)
    course, lessons = tree["course"], tree["lessons"]
    paths = [reverse("course:lesson-progress", args=[lesson.pk]) for lesson in lessons[-2:]]
    for round_ in rounds:
        user = UserFactory()
        course_services.enrolment_create(user=user, course=course)
        course_services.lesson_complete(user=user, lesson=lessons[0])
        mailoutbox.clear()
        tabs = [signed_in(user) for _ in paths]

        responses = run_together(
            [
                lambda tab=tab, path=path: tab.post(
                    path, {"action": "complete"}, HTTP_ACCEPT="application/json"
                )
                for tab, path in zip(tabs, paths, strict=True)
            ]
        )

        assert statuses(responses) == [200, 200], f"round {round_}"
        assert any(r.json()["course_complete"] for r in responses), f"round {round_}"
        assert Enrolment.objects.get(user=user).completed_at is not None, f"round {round_}"
        assert len(mailoutbox) == 1, (round_, [m.subject for m in mailoutbox])


def test_many_saves_of_one_reflection_keep_one_answer(tree, rounds):
    lesson = tree["lessons"][1]
    block_id = next(b.id for b in lesson.body if b.block_type == "reflection")
    path = reverse("course:reflection", args=[lesson.pk, block_id])
    for round_ in rounds:
        user = UserFactory()
        course_services.enrolment_create(user=user, course=tree["course"])
        clients = [signed_in(user) for _ in range(THREADS)]

        responses = run_together(
            [
                lambda c=c, n=n: c.post(
                    path, {"answer": f"Answer {n}"}, HTTP_ACCEPT="application/json"
                )
                for n, c in enumerate(clients)
            ]
        )

        assert statuses(responses) == [200] * THREADS, f"round {round_}"
        [reflection] = Reflection.objects.filter(user=user, lesson=lesson)
        assert reflection.answer in {f"Answer {n}" for n in range(THREADS)}, f"round {round_}"


def test_one_person_signing_up_on_several_devices_at_once_gets_one_account(rounds, mailoutbox):
    for round_ in rounds:
        email = f"tabs{round_}@example.com"
        spellings = [email, email.upper(), f" {email} ", email.title()] * 3
        # A phone, a laptop, a work machine: each its own address, so each its own rate limit.
        addresses = [f"192.0.2.{n + 1}" for n in range(len(spellings))]

        responses = run_together(
            [
                lambda e=e, a=a: browser().post(
                    reverse("account_signup"), {"email": e}, REMOTE_ADDR=a
                )
                for e, a in zip(spellings, addresses, strict=True)
            ]
        )

        assert set(statuses(responses)) <= {302, 429}, (round_, statuses(responses))
        assert User.objects.filter(email=email).count() == 1, f"round {round_}"
        assert {m.to[0] for m in mailoutbox} == {email}, f"round {round_}"


def test_many_wait_list_forms_for_one_email_at_once_make_one_entry(
    tree, settings, rounds, mailoutbox
):
    # The rate limits would answer most of these 429 first; here the database is on trial.
    settings.RATELIMIT_ENABLE = False
    page = WaitListPageFactory(parent=tree["home"])
    data = {"name": "Ada", "job_search_stage": "applying", "goals": "A plan."}
    for round_ in rounds:
        email = f"ada.round{round_}@example.com"
        spellings = [email, email.upper(), f" {email}", email.capitalize()] * 3

        responses = run_together(
            [lambda e=e: browser().post(page.url, {**data, "email": e}) for e in spellings]
        )

        assert statuses(responses) == [302] * len(spellings), f"round {round_}"
        entry = WaitListEntry.objects.get(email=email)
        assert entry.events.count() == 1, f"round {round_}"
        subjects = sorted(m.subject for m in mailoutbox if m.to == [email])
        assert subjects.count("Confirm your place on the coaching wait list") == 1, (
            f"round {round_}"
        )


def test_many_presses_of_confirm_my_place_confirm_once(rounds, mailoutbox):
    for round_ in rounds:
        entry = WaitListEntryFactory()
        path = reverse("coaching:confirm", args=[tokens.make_token(entry, tokens.CONFIRM)])

        responses = run_together([lambda p=path: browser().post(p) for _ in range(THREADS)])

        assert statuses(responses) == [302] * THREADS, f"round {round_}"
        entry.refresh_from_db()
        assert entry.status == WaitListEntry.Status.WAITING, f"round {round_}"
        confirmed = WaitListEvent.objects.filter(entry=entry, to_status="waiting")
        assert confirmed.count() == 1, f"round {round_}"
        assert len(mailoutbox) == 1, f"round {round_}"


def test_two_coaches_pressing_invite_at_once_in_the_admin_send_one_round(rounds, mailoutbox):
    CoachingSettings.load()
    path = reverse("coaching_waitlist:invite")
    for round_ in rounds:
        WaitListEntry.objects.all().delete()  # each round starts from an empty wait list
        for _ in range(8):
            WaitListEntryFactory(waiting=True)
        coaches = [
            sign_in_to_admin(
                browser(),
                UserFactory(
                    email=f"coach{n}.{round_}@example.com", is_staff=True, is_superuser=True
                ),
            )
            for n in range(2)
        ]
        data = {"count": 3, "seen_version": coaching_services.waitlist_queue_version()}

        responses = run_together([lambda c=c, d=data: c.post(path, d) for c in coaches])

        assert statuses(responses) == [302, 302], f"round {round_}"
        invited = WaitListEntry.objects.filter(status=WaitListEntry.Status.INVITED)
        assert invited.count() == 3, f"round {round_}"
        assert len(mailoutbox) == 3, f"round {round_}"
