"""Double clicks and duplicate submissions arriving together, over HTTP, on PostgreSQL.

The service-level races are in tests/course and tests/coaching (and the webhooks' over real
HTTP in tests/coaching/test_payment_concurrency.py). These send the same requests a browser
would, through the whole stack (sessions, CSRF-free test clients, views, services), from
threads released together by a barrier, over several rounds: every answer is a normal one
(no 5xx) and the database ends with exactly one row, one fulfilment, one email.
"""

import pytest
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
)

ROUNDS = range(3)
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


def browser() -> Client:
    """A visitor; a server error comes back as the 500 a visitor would see."""
    return Client(raise_request_exception=False)


def signed_in(user) -> Client:
    client = browser()
    client.force_login(user)
    return client


def statuses(responses) -> list[int]:
    return sorted(response.status_code for response in responses)


@pytest.mark.parametrize("round_", ROUNDS)
def test_many_clicks_on_start_the_course_enrol_once(tree, mailoutbox, round_):
    user = UserFactory()
    clients = [signed_in(user) for _ in range(THREADS)]
    path = reverse("course:start", args=[tree["course"].pk])

    responses = run_together([lambda c=c: c.post(path) for c in clients])

    assert statuses(responses) == [302] * THREADS
    assert {r["Location"] for r in responses} == {tree["lessons"][0].url}
    assert Enrolment.objects.filter(user=user).count() == 1
    assert [m.to for m in mailoutbox] == [[user.email]]  # one welcome


@pytest.mark.parametrize("round_", ROUNDS)
def test_many_clicks_on_the_last_mark_complete_complete_the_course_once(tree, mailoutbox, round_):
    user = UserFactory()
    course, lessons = tree["course"], tree["lessons"]
    course_services.enrolment_create(user=user, course=course)
    for lesson in lessons[:-1]:
        course_services.lesson_complete(user=user, lesson=lesson)
    mailoutbox.clear()
    clients = [signed_in(user) for _ in range(THREADS)]
    path = reverse("course:lesson-progress", args=[lessons[-1].pk])

    responses = run_together(
        [
            lambda c=c: c.post(path, {"action": "complete"}, HTTP_ACCEPT="application/json")
            for c in clients
        ]
    )

    assert statuses(responses) == [200] * THREADS
    assert all(r.json()["course_complete"] for r in responses)
    assert LessonProgress.objects.filter(user=user, lesson=lessons[-1]).count() == 1
    enrolment = Enrolment.objects.get(user=user)
    assert enrolment.completed_at is not None
    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]  # one congratulations


@pytest.mark.parametrize("round_", ROUNDS)
def test_many_saves_of_one_reflection_keep_one_answer(tree, round_):
    user = UserFactory()
    lesson = tree["lessons"][1]
    course_services.enrolment_create(user=user, course=tree["course"])
    block_id = next(b.id for b in lesson.body if b.block_type == "reflection")
    path = reverse("course:reflection", args=[lesson.pk, block_id])
    clients = [signed_in(user) for _ in range(THREADS)]

    responses = run_together(
        [
            lambda c=c, n=n: c.post(path, {"answer": f"Answer {n}"}, HTTP_ACCEPT="application/json")
            for n, c in enumerate(clients)
        ]
    )

    assert statuses(responses) == [200] * THREADS
    [reflection] = Reflection.objects.filter(user=user, lesson=lesson)
    assert reflection.answer in {f"Answer {n}" for n in range(THREADS)}


@pytest.mark.parametrize("round_", ROUNDS)
def test_one_person_signing_up_on_several_devices_at_once_gets_one_account(
    transactional_db, mailoutbox, round_
):
    email = f"tabs{round_}@example.com"
    spellings = [email, email.upper(), f" {email} ", email.title()] * 3
    # A phone, a laptop, a work machine: each its own address, so each its own rate limit.
    addresses = [f"192.0.2.{n + 1}" for n in range(len(spellings))]

    responses = run_together(
        [
            lambda e=e, a=a: browser().post(reverse("account_signup"), {"email": e}, REMOTE_ADDR=a)
            for e, a in zip(spellings, addresses, strict=True)
        ]
    )

    assert set(statuses(responses)) <= {302, 429}, statuses(responses)
    assert User.objects.filter(email=email).count() == 1
    assert {m.to[0] for m in mailoutbox} == {email}


@pytest.mark.parametrize("round_", ROUNDS)
def test_many_wait_list_forms_for_one_email_at_once_make_one_entry(
    tree, settings, mailoutbox, round_
):
    # The rate limits would answer most of these 429 first; here the database is on trial.
    settings.RATELIMIT_ENABLE = False
    page = WaitListPageFactory(parent=tree["home"])
    email = f"ada.round{round_}@example.com"
    data = {"name": "Ada", "job_search_stage": "applying", "goals": "A plan."}
    spellings = [email, email.upper(), f" {email}", email.capitalize()] * 3

    responses = run_together(
        [lambda e=e: browser().post(page.url, {**data, "email": e}) for e in spellings]
    )

    assert statuses(responses) == [302] * len(spellings)
    entry = WaitListEntry.objects.get(email=email)
    assert entry.events.count() == 1
    subjects = sorted(m.subject for m in mailoutbox if m.to == [email])
    assert subjects.count("Confirm your place on the coaching wait list") == 1


@pytest.mark.parametrize("round_", ROUNDS)
def test_many_presses_of_confirm_my_place_confirm_once(transactional_db, mailoutbox, round_):
    entry = WaitListEntryFactory()
    path = reverse("coaching:confirm", args=[tokens.make_token(entry, tokens.CONFIRM)])

    responses = run_together([lambda: browser().post(path) for _ in range(THREADS)])

    assert statuses(responses) == [302] * THREADS
    entry.refresh_from_db()
    assert entry.status == WaitListEntry.Status.WAITING
    assert WaitListEvent.objects.filter(entry=entry, to_status="waiting").count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("round_", ROUNDS)
def test_two_coaches_pressing_invite_at_once_in_the_admin_send_one_round(
    transactional_db, mailoutbox, round_
):
    CoachingSettings.load()
    for _ in range(8):
        WaitListEntryFactory(waiting=True)
    coaches = [
        signed_in(
            UserFactory(email=f"coach{n}.{round_}@example.com", is_staff=True, is_superuser=True)
        )
        for n in range(2)
    ]
    data = {"count": 3, "seen_version": coaching_services.waitlist_queue_version()}
    path = reverse("coaching_waitlist:invite")

    responses = run_together([lambda c=c: c.post(path, data) for c in coaches])

    assert statuses(responses) == [302, 302]
    assert WaitListEntry.objects.filter(status=WaitListEntry.Status.INVITED).count() == 3
    assert len(mailoutbox) == 3
