"""Two reminder runs at once (two cron hosts, a slow run overlapping the next): each once."""

import datetime

import pytest
from wagtail.models import Page

from course import services
from course.models import Enrolment, Nudge
from course.nudges import nudges_send
from tests.concurrency import run_together
from tests.factories import UserFactory, make_site_tree

RUNS = 8
LEARNERS = 5
T0 = datetime.datetime(2025, 5, 12, 8, 0, tzinfo=datetime.UTC)

pytestmark = [
    pytest.mark.postgres,
    # Restores the migrations' rows (root page, default locale) that flushing removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_concurrent_runs_send_each_reminder_once(transactional_db, mailoutbox):
    Page.objects.filter(depth=2).exact_type(Page).delete()
    _, course, _, _ = make_site_tree(lessons=3)
    learners = [UserFactory() for _ in range(LEARNERS)]
    for learner in learners:
        services.enrolment_create(user=learner, course=course)
    Enrolment.objects.update(enrolled_at=T0)
    mailoutbox.clear()  # the welcome emails

    run_together([lambda: nudges_send(now=T0 + datetime.timedelta(days=8))] * RUNS)

    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in learners)
    assert Nudge.objects.filter(step=7, skipped=False).count() == LEARNERS
    assert Nudge.objects.filter(step=3, skipped=True).count() == LEARNERS
