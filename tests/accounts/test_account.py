"""A learner's account: one identity per email, consent, their data, deletion, the dashboard."""

import json

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import APIToken

from accounts.models import User
from course import services
from course.models import Enrolment, LessonProgress, Reflection
from tests.factories import UserFactory, sign_in_to_admin


@pytest.fixture
def learner(course, lessons):
    """An enrolled learner who finished lesson 1 and answered its reflection prompt."""
    user = UserFactory(email="sam@example.com")
    user.set_password("correct horse battery staple")
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    services.enrolment_create(user=user, course=course)
    services.lesson_complete(user=user, lesson=lessons[0])
    services.reflection_save(
        user=user, lesson=lessons[0], block_id="b1", prompt="What do you want?", answer="Sea air"
    )
    return user


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def marketing_checkbox(response):
    return BeautifulSoup(response.content, "html.parser").find("input", attrs={"name": "marketing"})


def save_preferences(client, **fields):
    """Submit the email preferences form as a browser does: with its hidden CSRF field."""
    url = reverse("accounts:account")
    form = marketing_checkbox(client.get(url)).find_parent("form")
    token = form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
    return client.post(url, {"csrfmiddlewaretoken": token, **fields})


# One person, one account


def test_new_users_email_is_trimmed_and_lowercased(db):
    user = User.objects.create_user("  Sam.Rivera@Example.COM ")

    assert user.email == "sam.rivera@example.com"
    assert not user.has_usable_password()


def test_database_refuses_a_second_account_differing_only_in_letter_case(db):
    User.objects.create_user("sam@example.com")

    # bulk_create skips save(), whose normalising would hide the constraint.
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="SAM@Example.com")])

    assert User.objects.count() == 1


# Email preferences


def test_news_by_email_is_unticked_until_the_learner_ticks_it(learner_client, learner):
    checkbox = marketing_checkbox(learner_client.get(reverse("accounts:account")))

    assert checkbox["type"] == "checkbox"
    assert not checkbox.has_attr("checked")
    assert learner.marketing_consent_at is None


def test_ticking_news_by_email_records_when_and_unticking_clears_it(learner_client, learner):
    url = reverse("accounts:account")

    before = timezone.now()
    response = save_preferences(learner_client, marketing="on")
    after = timezone.now()
    learner.refresh_from_db()

    assert response.status_code == 302
    assert before <= learner.marketing_consent_at <= after
    assert marketing_checkbox(learner_client.get(url)).has_attr("checked")

    save_preferences(learner_client)  # the box unticked: only the CSRF field is sent
    learner.refresh_from_db()

    assert learner.marketing_consent_at is None
    assert not marketing_checkbox(learner_client.get(url)).has_attr("checked")


# Export


def user_relation_labels() -> set[str]:
    return {
        relation.related_model._meta.label
        for relation in User._meta.related_objects
        if relation.one_to_many or relation.one_to_one
    }


def test_export_has_every_model_that_points_at_the_user(learner_client):
    response = learner_client.get(reverse("accounts:export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    assert {"course.Enrolment", "course.LessonProgress", "course.Reflection"} <= (
        user_relation_labels()
    )
    assert user_relation_labels() <= set(response.json())


def test_export_holds_the_learners_course_rows_and_no_password_hash(
    learner_client, learner, course, lessons
):
    other = UserFactory(email="someone.else@example.com")
    services.enrolment_create(user=other, course=course)

    response = learner_client.get(reverse("accounts:export"))
    data = response.json()

    assert data["user"]["email"] == learner.email
    assert "password" not in data["user"]
    assert learner.password not in response.content.decode()
    [enrolment] = data["course.Enrolment"]
    assert enrolment["course"]["id"] == course.pk
    assert enrolment["certificate_id"] == str(Enrolment.objects.get(user=learner).certificate_id)
    [progress] = data["course.LessonProgress"]
    assert progress["lesson"]["id"] == lessons[0].pk
    assert progress["completed_at"] is not None
    [reflection] = data["course.Reflection"]
    assert (reflection["prompt"], reflection["answer"]) == ("What do you want?", "Sea air")
    assert [row["email"] for row in data["account.EmailAddress"]] == [learner.email]


def test_editor_who_has_used_the_admin_can_download_their_data(db, client):
    editor = User.objects.create_superuser("editor@example.com")
    sign_in_to_admin(client, editor)
    client.get(reverse("wagtailadmin_account"))  # Wagtail stores the editor's profile here

    response = client.get(reverse("accounts:export"))

    assert response.status_code == 200
    assert "wagtailusers.UserProfile" in response.json()


def test_export_leaves_out_api_key_digests(learner_client, learner):
    token, _ = APIToken.create_token(user=learner, name="Zapier")

    response = learner_client.get(reverse("accounts:export"))

    assert response.status_code == 200
    assert token.key_hash not in response.content.decode()


# Deletion


def test_deleting_needs_the_word_delete(learner_client, learner):
    response = learner_client.post(reverse("accounts:delete"), {"confirm": "yes please"})

    assert response.status_code == 200
    assert "Type the word DELETE to confirm." in response.content.decode()
    assert User.objects.filter(pk=learner.pk).exists()


def test_deleting_removes_the_learners_data_and_signs_them_out(learner_client, learner, course):
    other = UserFactory()
    services.enrolment_create(user=other, course=course)
    user_id = learner.pk

    response = learner_client.post(reverse("accounts:delete"), {"confirm": "DELETE"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:deleted")
    assert "Nothing was kept" in learner_client.get(response["Location"]).content.decode()
    assert not User.objects.filter(pk=user_id).exists()
    for model in (Enrolment, LessonProgress, Reflection, EmailAddress):
        assert not model.objects.filter(user_id=user_id).exists(), model.__name__
    assert Enrolment.objects.filter(user=other).exists(), "other learners keep their data"
    dashboard = learner_client.get(reverse("accounts:dashboard"))
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith(reverse("account_login"))


# Dashboard, admin, emails


def test_dashboard_offers_to_continue_with_lesson_2_after_lesson_1(learner_client, lessons):
    response = learner_client.get(reverse("accounts:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Continue: lesson 2" in html
    assert f'href="{lessons[1].url}"' in html


def test_learner_cannot_open_the_admin(learner_client):
    response = learner_client.get("/admin/")

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_welcome_email_has_text_and_html_with_a_link_to_lesson_1(
    course, lessons, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_create(user=user, course=course)

    [message] = mailoutbox
    lesson_1 = lessons[0].get_full_url()
    assert lesson_1.startswith("http://testserver/")
    assert lesson_1 in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{lesson_1}"' in html
    assert "<" not in message.body, "the text part is plain text"


def test_export_of_a_learner_is_valid_json_even_with_unicode(learner_client, learner, lessons):
    services.reflection_save(
        user=learner, lesson=lessons[0], block_id="b2", prompt="Où?", answer="À la mer ☀"
    )

    data = json.loads(learner_client.get(reverse("accounts:export")).content)

    assert {r["answer"] for r in data["course.Reflection"]} == {"Sea air", "À la mer ☀"}
