"""Emails go through the tasks framework: after commit, retried when the mail server fails."""

import datetime
import smtplib
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.mail import email_send
from accounts.tasks import MAX_ATTEMPTS
from coaching import payments
from coaching import services as coaching_services
from coaching.models import Payment
from course import services
from tests.factories import CoachingPackageFactory, UserFactory, WaitListEntryFactory

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class FlakyMailServer(LocmemBackend):
    """The locmem backend behind a mail server that refuses the first `failures` messages."""

    failures = 0

    def send_messages(self, messages):
        if FlakyMailServer.failures > 0:
            FlakyMailServer.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail_server(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyMailServer"}}
    FlakyMailServer.failures = 0
    return FlakyMailServer


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


def send_test_email(to="sam@example.com"):
    """Send as a view would: the message is queued when the (test's) transaction commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        queue_test_email(to)


def queue_test_email(to="sam@example.com"):
    email_send(
        to=to,
        template="course_welcome",
        context={
            "user": UserFactory.build(email=to),
            "course": type("Course", (), {"title": "Land a job you love", "outcome": "A plan."}),
            "lesson_count": 8,
            "first_lesson_url": "http://testserver/lesson-1/",
        },
    )


def email_tasks():
    """The email deliveries queued (Wagtail queues its own indexing tasks beside them)."""
    return DBTaskResult.objects.filter(task_path="accounts.tasks.deliver_email")


# The worker closes its database connection when it is done, which a test wrapped in a
# transaction would not survive on PostgreSQL: the worker's tests commit for real.
worker_test = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def make_retries_due():
    email_tasks().filter(status="READY").update(run_after=timezone.now())


def test_nothing_is_sent_or_queued_when_the_enrolment_is_rolled_back(
    db, database_tasks, site_tree, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.enrolment_create(user=user, course=site_tree["course"])
        raise RuntimeError("the request failed after enrolling")

    assert callbacks == []
    assert email_tasks().count() == 0
    assert mail.outbox == []


@worker_test
def test_an_email_waits_for_the_worker_and_the_worker_delivers_it(database_tasks):
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks, transaction.atomic():
        queue_test_email()
        # Written with the change, in its transaction: no later step can drop it.
        assert email_tasks().count() == 1
    assert callbacks == []

    assert email_tasks().get().status == "READY"
    assert mail.outbox == []

    run_worker()

    assert email_tasks().get().status == "SUCCESSFUL"
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    assert "Land a job you love" in message.subject
    assert "http://testserver/lesson-1/" in message.body
    assert message.alternatives[0].mimetype == "text/html"


@worker_test
def test_a_mail_server_failure_is_retried_later_and_the_email_is_delivered(
    database_tasks, flaky_mail_server
):
    flaky_mail_server.failures = 1
    send_test_email()

    run_worker()

    assert mail.outbox == []
    first, retry = email_tasks().order_by("enqueued_at")
    assert first.status == "SUCCESSFUL" and first.return_value["delivered"] is False
    assert retry.status == "READY"
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=20), "no back-off"

    run_worker()  # not due yet: nothing happens
    assert mail.outbox == []

    make_retries_due()
    run_worker()

    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    assert email_tasks().filter(status="SUCCESSFUL").count() == 2


@worker_test
def test_an_email_the_mail_server_never_takes_fails_visibly_after_the_last_attempt(
    database_tasks, flaky_mail_server, admin_client
):
    flaky_mail_server.failures = MAX_ATTEMPTS
    send_test_email()

    for _ in range(MAX_ATTEMPTS):
        make_retries_due()
        run_worker()

    assert mail.outbox == []
    assert email_tasks().count() == MAX_ATTEMPTS
    failed = email_tasks().get(status="FAILED")
    assert failed.args_kwargs["kwargs"]["attempt"] == MAX_ATTEMPTS
    assert "SMTPServerDisconnected" in failed.exception_class_path

    response = admin_client.get("/admin/background-tasks/?status=FAILED")
    assert response.status_code == 200
    assert "accounts.tasks.deliver_email" in response.content.decode()


def test_in_process_tasks_retry_at_once_when_the_mail_server_fails_once(db, flaky_mail_server):
    flaky_mail_server.failures = 1

    send_test_email()

    [message] = mail.outbox
    assert message.to == ["sam@example.com"]


@worker_test
def test_the_email_retry_delays_setting_sets_the_back_off_and_the_number_of_attempts(
    database_tasks, flaky_mail_server, settings
):
    settings.EMAIL_RETRY_DELAYS = (300, 900)
    flaky_mail_server.failures = 10
    send_test_email()

    run_worker()
    retry = email_tasks().get(status="READY")
    wait = retry.run_after - timezone.now()
    assert datetime.timedelta(seconds=240) < wait <= datetime.timedelta(seconds=300)

    make_retries_due()
    run_worker()
    retry = email_tasks().get(status="READY")
    wait = retry.run_after - timezone.now()
    assert datetime.timedelta(seconds=840) < wait <= datetime.timedelta(seconds=900)

    make_retries_due()
    run_worker()
    assert mail.outbox == []
    assert email_tasks().count() == 3, "two retries, then the task fails"
    assert email_tasks().get(status="FAILED").args_kwargs["kwargs"]["attempt"] == 3


def _change_that_sends(change: str, site_tree) -> None:
    course, lessons = site_tree["course"], site_tree["lessons"]
    if change == "enrolment":
        services.enrolment_create(user=UserFactory(), course=course)
    elif change == "completion":
        user = UserFactory()
        services.enrolment_create(user=user, course=course)
        for lesson in lessons:
            services.lesson_complete(user=user, lesson=lesson)
    elif change == "wait-list join":
        coaching_services.waitlist_join(
            details=coaching_services.JoinDetails(
                name="Ann", email="ann@example.com", job_search_stage="exploring", goals="A plan."
            )
        )
    elif change == "wait-list confirm":
        coaching_services.waitlist_confirm(entry=WaitListEntryFactory())
    elif change == "payment":
        entry = WaitListEntryFactory(waiting=True)
        Payment.objects.create(
            entry=entry,
            package=CoachingPackageFactory(),
            amount_minor=45000,
            currency="gbp",
            stripe_session_id="cs_test_receipt",
        )
        session = SimpleNamespace(
            id="cs_test_receipt", payment_status="paid", payment_intent="pi_1"
        )
        payments.payment_fulfil(session=session)


@pytest.mark.parametrize(
    "change", ["enrolment", "completion", "wait-list join", "wait-list confirm", "payment"]
)
def test_each_change_queues_its_email_in_its_own_transaction(db, database_tasks, site_tree, change):
    """The email's task row is written before the change commits, not after: a database that
    goes away between the two (a restart) cannot leave a booked payment without its receipt,
    and Stripe's retry, which finds the payment booked, sends nothing again."""
    with transaction.atomic():
        before = email_tasks().count()
        _change_that_sends(change, site_tree)
        queued_with_the_change = email_tasks().count() - before

    assert queued_with_the_change >= 1
