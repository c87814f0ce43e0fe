"""Certificates: a name first, issued once, and never changed by lessons added later."""

import re
from html import unescape

import pytest
from django.urls import reverse

from course import certificates, services
from course.models import CoursePage, Enrolment
from tests.factories import LessonPageFactory, UserFactory


def text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def graduate(course, lessons):
    user = UserFactory(email="grad@example.com", first_name="", last_name="")
    enrolment, _ = services.enrolment_create(user=user, course=course)
    for lesson in lessons:
        services.lesson_complete(user=user, lesson=lesson)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    return enrolment


def completed_url(course) -> str:
    return reverse("course:completed", args=[course.pk])


def certificate_url(enrolment) -> str:
    return reverse("course:certificate", args=[enrolment.certificate_id])


def test_a_name_is_asked_for_before_the_certificate_is_issued(client, graduate, course):
    client.force_login(graduate.user)

    page = text(client.get(completed_url(course)))
    assert "You did it!" in page
    assert "grad@example.com" not in page
    assert "Your name for the certificate" in page
    assert client.get(certificate_url(graduate)).status_code == 404

    response = client.post(completed_url(course), {"first_name": "", "last_name": ""})
    assert response.status_code == 400
    assert client.get(certificate_url(graduate)).status_code == 404

    client.post(completed_url(course), {"first_name": "Grace", "last_name": "Hopper"})
    page = text(client.get(completed_url(course)))
    assert "You finished all 3 lessons" in page
    assert "View and print your certificate" in page
    assert "Your name for the certificate" not in page


def test_no_certificate_anyone_can_open_shows_an_email_address(client, graduate):
    graduate.user.first_name = ""
    graduate.user.save()
    graduate.certificate_issued_at = graduate.completed_at  # issued before names were asked
    graduate.save()

    response = client.get(certificate_url(graduate))

    assert response.status_code == 404
    assert "grad@example.com" not in response.content.decode()


def test_a_certificate_never_changes_when_the_coach_adds_a_lesson(client, graduate, course):
    certificates.certificate_issue(enrolment=graduate, first_name="Grace", last_name="Hopper")
    before = text(client.get(certificate_url(graduate)))
    title = course.title

    LessonPageFactory(parent=course, title="A new lesson on salary talks")
    course.title = "A renamed course"
    course.save_revision().publish()

    after = text(client.get(certificate_url(graduate)))
    assert "3 lessons · completed on" in before
    assert after == before
    assert title in after and "A renamed course" not in after

    client.force_login(graduate.user)
    completed = text(client.get(completed_url(course)))
    assert "You finished all 3 lessons" in completed
    assert "I’ve added 1 new lesson since you finished" in completed
    dashboard = text(client.get(reverse("accounts:dashboard")))
    assert "You finished this course on" in dashboard
    assert "New 1 new lesson since you finished: “A new lesson on salary talks”" in dashboard
    assert "Continue: lesson 4" not in dashboard
    # Still a graduate, whatever the course holds now.
    assert Enrolment.objects.filter(pk=graduate.pk, completed_at__isnull=False).exists()


def test_issuing_again_changes_the_name_but_not_what_was_certified(graduate, course):
    certificates.certificate_issue(enrolment=graduate, first_name="Grace", last_name="")
    issued = (graduate.certificate_issued_at, graduate.certificate_lesson_count)
    LessonPageFactory(parent=CoursePage.objects.get(pk=course.pk))

    again = certificates.certificate_issue(
        enrolment=Enrolment.objects.get(pk=graduate.pk), first_name="Grace", last_name="Hopper"
    )

    assert (again.certificate_issued_at, again.certificate_lesson_count) == issued
    assert again.user.get_full_name() == "Grace Hopper"


def test_the_account_page_changes_the_name_on_the_certificate(client, graduate):
    certificates.certificate_issue(enrolment=graduate, first_name="Grace", last_name="")
    client.force_login(graduate.user)

    response = client.post(
        reverse("accounts:account"),
        {"action": "name", "first_name": "Grace", "last_name": "Brewster Hopper"},
    )

    assert response.status_code == 302
    assert "Grace Brewster Hopper" in text(client.get(certificate_url(graduate)))


def test_an_unfinished_course_cannot_be_certified(learner, course):
    enrolment = Enrolment.objects.get(user=learner)
    with pytest.raises(certificates.NotCompleted):
        certificates.certificate_issue(enrolment=enrolment, first_name="A", last_name="B")
