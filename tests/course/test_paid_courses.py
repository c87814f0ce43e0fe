"""A course with a price is entered only with a paid order: every way in is refused without
one, the free preview stays open, and a full refund ends access."""

from decimal import Decimal

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from course import services
from course.models import CourseOrder, Enrolment, LessonProgress, Reflection
from course.views import INTENT_SALT
from tests.factories import UserFactory

TEASER = "This lesson is part of the full course"


@pytest.fixture
def paid_course(course):
    course.price = Decimal("49.00")
    course.save_revision().publish()
    course.refresh_from_db()
    return course


@pytest.fixture
def reader(paid_course):
    """Signed in, has not bought the course."""
    client = Client()
    user = UserFactory()
    client.force_login(user)
    return client, user


def paid_order(user, course) -> CourseOrder:
    order = CourseOrder.objects.create(
        user=user,
        course=course,
        amount_minor=course.price_minor,
        currency="gbp",
        stripe_session_id=f"cs_test_{user.pk}",
    )
    assert services.order_paid(order=order, payment_intent_id=f"pi_test_{user.pk}")
    return order


def test_posting_straight_to_the_start_view_is_refused(reader, paid_course):
    client, user = reader

    response = client.post(reverse("course:start", args=[paid_course.pk]))

    assert response.status_code == 402
    page = response.content.decode()
    assert f"“{paid_course.title}” is £49.00: buy it to start." in page
    assert "Buy the course, £49.00" in page
    assert not Enrolment.objects.filter(user=user).exists()


def test_coming_back_from_sign_up_shows_the_price_instead_of_enrolling(reader, paid_course):
    client, user = reader
    intent = signing.dumps({"course": paid_course.pk}, salt=INTENT_SALT)

    response = client.get(reverse("course:start", args=[paid_course.pk]), {"intent": intent})

    assert response.status_code == 200
    assert "Buy the course, £49.00" in response.content.decode()
    assert not Enrolment.objects.filter(user=user).exists()


def test_the_service_refuses_whoever_calls_it(paid_course):
    with pytest.raises(services.PaymentRequired):
        services.enrolment_create(user=UserFactory(), course=paid_course)

    assert not Enrolment.objects.exists()


def test_a_paid_lesson_shows_the_teaser_and_its_progress_and_reflections_are_refused(
    reader, paid_course, lessons
):
    client, user = reader
    paid_lesson = lessons[1]

    page = client.get(paid_lesson.url).content.decode()
    progress = client.post(
        reverse("course:lesson-progress", args=[paid_lesson.pk]), HTTP_ACCEPT="application/json"
    )
    block_id = next(block.id for block in paid_lesson.body if block.block_type == "reflection")
    reflection = client.post(
        reverse("course:reflection", args=[paid_lesson.pk, block_id]),
        {"answer": "Mine"},
        HTTP_ACCEPT="application/json",
    )

    assert TEASER in page and "Get “" in page and "for £49.00" in page
    assert progress.status_code == 403
    assert reflection.status_code == 403
    assert not LessonProgress.objects.filter(user=user, completed_at__isnull=False).exists()
    assert not Reflection.objects.filter(user=user).exists()


def test_the_free_preview_stays_open_with_a_call_to_get_the_course(reader, lessons, paid_course):
    client, _ = reader

    page = client.get(lessons[0].url).content.decode()

    assert TEASER not in page
    assert "There’s more in the full course" in page and "Get the full course" in page


def test_the_start_page_tells_anonymous_readers_to_make_an_account_first(paid_course):
    page = Client().get(reverse("course:start", args=[paid_course.pk])).content.decode()

    assert "Create your account to buy it" in page
    assert "£49.00" in page


def test_a_paid_order_lets_the_learner_in_and_a_full_refund_ends_it(reader, paid_course, lessons):
    client, user = reader
    order = paid_order(user, paid_course)
    client.post(reverse("course:lesson-progress", args=[lessons[0].pk]))

    assert client.get(lessons[1].url).content.decode().count(TEASER) == 0
    services.order_refunded(order=order)

    order.refresh_from_db()
    assert order.status == CourseOrder.Status.REFUNDED
    assert not Enrolment.objects.filter(user=user).exists()
    assert TEASER in client.get(lessons[1].url).content.decode()
    assert TEASER not in client.get(lessons[0].url).content.decode()  # the preview stays open
    # What they did is kept, and comes back if they buy the course again.
    assert LessonProgress.objects.filter(user=user, lesson=lessons[0]).exists()


def test_a_second_paid_order_for_the_same_course_is_refused_by_the_database(reader, paid_course):
    _, user = reader
    paid_order(user, paid_course)
    second = CourseOrder.objects.create(
        user=user,
        course=paid_course,
        amount_minor=4900,
        currency="gbp",
        stripe_session_id="cs_test_second",
    )

    assert services.order_paid(order=second, payment_intent_id="pi_test_second") is False
    second.refresh_from_db()
    assert second.status == CourseOrder.Status.PENDING
    assert Enrolment.objects.filter(user=user).count() == 1


def test_a_free_course_still_opens_with_one_click(course):
    client = Client()
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("course:start", args=[course.pk]))

    assert response.status_code == 302
    assert Enrolment.objects.filter(user=user, course=course).exists()
