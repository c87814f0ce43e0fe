"""Reminder emails for learners who stall: once per step, never to those who opted out."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_set_course_emails
from course import services
from course.models import Enrolment, LessonProgress, Nudge, NudgeSettings
from course.nudges import nudges_send
from lessons.models import LessonPage
from tests.factories import UserFactory

T0 = datetime.datetime(2025, 5, 12, 8, 0, tzinfo=datetime.UTC)


def day(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(days=n)


@pytest.fixture
def enrolment(learner):
    Enrolment.objects.filter(user=learner).update(enrolled_at=T0)
    return Enrolment.objects.get(user=learner)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run nudges_send at a given moment, delivering what it queues once it commits."""

    def run(at):
        with django_capture_on_commit_callbacks(execute=True):
            return nudges_send(now=at)

    return run


def nudged_steps(enrolment) -> list[tuple[int, bool]]:
    return list(enrolment.nudges.order_by("step").values_list("step", "skipped"))


# Once per step ------------------------------------------------------------------------------


def test_each_step_sends_one_email_exactly_once(enrolment, send, mailoutbox):
    assert send(day(2.9)).sent_total == 0
    assert send(day(3)).sent == {3: 1}
    assert send(day(3.5)).sent_total == 0
    assert send(day(7)).sent == {7: 1}
    assert send(day(7)).sent_total == 0
    assert send(day(14)).sent == {14: 1}
    assert send(day(60)).sent_total == 0

    assert len(mailoutbox) == 3
    assert nudged_steps(enrolment) == [(3, False), (7, False), (14, False)]


def test_when_several_steps_are_due_only_the_highest_is_sent(enrolment, send, mailoutbox):
    run = send(day(10))

    assert run.sent == {7: 1}
    assert run.skipped == 1
    assert len(mailoutbox) == 1
    assert nudged_steps(enrolment) == [(3, True), (7, False)]
    assert run.summary() == "Sent 1 course reminder (day 7: 1). Passed over 1 earlier step."


def test_the_email_links_to_the_lesson_to_continue_and_can_unsubscribe(
    enrolment, lessons, send, mailoutbox
):
    LessonProgress.objects.create(
        user=enrolment.user, lesson=lessons[0], completed_at=day(1), last_visited_at=day(1)
    )

    send(day(4))

    [message] = mailoutbox
    html = message.alternatives[0][0]
    lesson_url = "http://testserver" + lessons[1].url
    assert message.to == [enrolment.user.email]
    assert message.subject == "Your next lesson is waiting: “Lesson 2”"
    assert lesson_url in message.body
    assert lesson_url in html
    unsubscribe = re.search(r"http://testserver/unsubscribe/[^/\s]+/", message.body).group(0)
    assert unsubscribe in html
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Nudge.objects.get(step=3).lesson_id == lessons[1].pk


def test_progress_restarts_the_idle_clock(enrolment, lessons, send, mailoutbox):
    LessonProgress.objects.create(user=enrolment.user, lesson=lessons[0], last_visited_at=day(2))

    assert send(day(4)).sent_total == 0
    assert send(day(5)).sent == {3: 1}


def test_a_learner_waiting_for_a_drip_lesson_is_not_stalled(enrolment, lessons, send):
    LessonPage.objects.filter(pk=lessons[1].pk).update(available_after_days=10)
    LessonProgress.objects.create(
        user=enrolment.user, lesson=lessons[0], completed_at=T0, last_visited_at=T0
    )

    # Lesson 2 opens at the start of day 10 (London); the idle clock starts then.
    assert send(day(9)).sent_total == 0
    assert send(day(12)).sent_total == 0
    assert send(day(13)).sent == {3: 1}


# Never to ------------------------------------------------------------------------------------


def test_learners_who_finished_the_course_get_no_reminders(enrolment, send, mailoutbox):
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=day(1))

    assert send(day(20)).sent_total == 0
    assert mailoutbox == []


def test_learners_on_a_break_get_no_reminders_until_it_ends(enrolment, send, mailoutbox):
    services.enrolment_pause_nudges(enrolment=enrolment, now=day(1))

    assert send(day(14)).sent_total == 0
    assert send(day(31)).sent == {14: 1}


def test_learners_who_unsubscribed_get_no_reminders(enrolment, send, mailoutbox):
    user_set_course_emails(user=enrolment.user, subscribed=False)

    assert send(day(20)).sent_total == 0
    assert mailoutbox == []
    assert not Nudge.objects.exists()


def test_reminders_do_not_depend_on_the_news_consent(enrolment, send):
    assert enrolment.user.marketing_consent_at is None
    assert send(day(3)).sent == {3: 1}


def test_the_coach_can_turn_reminders_off_and_choose_the_days(enrolment, send):
    NudgeSettings.objects.update_or_create(pk=NudgeSettings.load().pk, defaults={"enabled": False})
    assert send(day(20)).enabled is False
    assert not Nudge.objects.exists()

    NudgeSettings.objects.update(enabled=True, days="2, 5")
    assert send(day(2)).sent == {2: 1}
    assert send(day(5)).sent == {5: 1}
    assert send(day(20)).sent_total == 0


def test_nudge_days_are_validated(db):
    settings = NudgeSettings.load()
    for bad in ("soon", "", "0,3", "3,3", "400"):
        settings.days = bad
        with pytest.raises(Exception) as error:
            settings.full_clean()
        assert "days" in error.value.message_dict


# Transactions and the command ---------------------------------------------------------------


def test_a_rolled_back_run_records_and_sends_nothing(
    enrolment, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        nudges_send(now=day(3))
        raise RuntimeError("the job crashed before committing")

    assert mailoutbox == []
    assert not Nudge.objects.exists()


def test_a_rolled_back_enrolment_sends_nothing(
    course, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.enrolment_create(user=user, course=course)
        raise RuntimeError("sign-up failed after enrolling")

    assert mailoutbox == []
    assert not Enrolment.objects.filter(user=user).exists()


def test_the_command_prints_what_it_did(enrolment, mailoutbox, django_capture_on_commit_callbacks):
    Enrolment.objects.filter(pk=enrolment.pk).update(
        enrolled_at=timezone.now() - datetime.timedelta(days=4)
    )
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("course_nudges", stdout=out)

    assert out.getvalue().strip() == "Sent 1 course reminder (day 3: 1)."
    assert len(mailoutbox) == 1


def test_run_periodic_runs_the_wait_list_expiry_the_reminders_and_clearsessions(learner):
    out = io.StringIO()

    call_command("run_periodic", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("coaching_expire: Removed 0 unconfirmed entries")
    assert lines[1] == "course_nudges: Sent 0 course reminders."
    assert lines[2] == "clearsessions: Removed expired sessions."
    assert lines[3] == "email_requeue_stale: Queued 0 emails again."


# Take a break -------------------------------------------------------------------------------


def test_take_a_break_pauses_reminders_for_30_days_and_can_be_undone(enrolment, client, course):
    client.force_login(enrolment.user)
    url = reverse("course:nudges-break", args=[course.pk])

    assert "Take a break" in client.get(reverse("accounts:dashboard")).content.decode()
    before = timezone.now()
    response = client.post(url, {"action": "pause"}, follow=True)
    enrolment.refresh_from_db()

    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard")
    assert "Enjoy the break" in response.content.decode()
    assert "Resume reminders" in response.content.decode()
    assert before + datetime.timedelta(days=30) <= enrolment.nudges_paused_until
    assert enrolment.nudges_paused_until <= timezone.now() + datetime.timedelta(days=30)

    client.post(url, {"action": "resume"})
    enrolment.refresh_from_db()
    assert enrolment.nudges_paused_until is None


def test_take_a_break_needs_a_post_and_the_learners_own_enrolment(enrolment, client, course):
    client.force_login(UserFactory())
    url = reverse("course:nudges-break", args=[course.pk])

    assert client.get(url).status_code == 405
    assert client.post(url, {"action": "pause"}).status_code == 404
