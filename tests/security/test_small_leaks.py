"""Finding 6 of issue 22 (the parts outside sign-up): what small pages and links gave away.

The payment-success page greeted anyone holding a Checkout session id by name; wait-list links
carried the entry's row id and creation time and never lapsed, even after leaving; the
wait-list form took `a@[127.0.0.1]`; the certificate had no Cache-Control and no way to stay
out of search engines.
"""

import datetime
import html
import time
from unittest import mock

from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coaching import tokens
from coaching.models import Payment, WaitListEntry
from course import services as course_services


def test_the_payment_success_page_names_nobody(world, stripe_server):
    Payment.objects.filter(pk=world.payment.pk).update(status=Payment.Status.PAID)

    url = reverse("coaching:payment-success") + f"?session_id={world.payment.stripe_session_id}"
    page = Client().get(url).content.decode()

    assert "booked" in page
    assert "Ivy" not in page and "ivy@example.com" not in page


def test_a_wait_list_link_names_the_entry_by_a_random_id_only(world):
    for purpose in (tokens.CONFIRM, tokens.STATUS, tokens.INVITATION):
        entry = world.invited if purpose == tokens.INVITATION else world.entry
        token = tokens.make_token(entry, purpose)
        value = token.split(":")[0].split(".")[0]
        assert value == entry.public_id.hex  # random: no row id, no creation time
        assert str(int(entry.created_at.timestamp())) not in token


def _made_days_ago(entry, purpose, days):
    then = time.time() - days * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=then):
        return tokens.make_token(entry, purpose)


def test_wait_list_links_lapse(world):
    status = reverse("coaching:status", args=[_made_days_ago(world.entry, tokens.STATUS, 181)])
    WaitListEntry.objects.filter(pk=world.invited.pk).update(
        invited_at=timezone.now() - datetime.timedelta(days=61)
    )
    world.invited.refresh_from_db()
    old_invitation = tokens.make_token(world.invited, tokens.INVITATION)
    invitation = reverse("coaching:invitation", args=[old_invitation])
    fresh = reverse("coaching:status", args=[_made_days_ago(world.entry, tokens.STATUS, 1)])

    assert Client().get(status).status_code == 404
    assert Client().get(invitation).status_code == 404
    assert Client().get(fresh).status_code == 200


def test_a_status_link_stops_working_a_month_after_leaving(world):
    url = reverse("coaching:status", args=[tokens.make_token(world.entry, tokens.STATUS)])
    left = WaitListEntry.objects.filter(pk=world.entry.pk)
    left.update(status="withdrawn", status_changed_at=timezone.now() - datetime.timedelta(days=2))
    assert Client().get(url).status_code == 200  # still there to rejoin

    left.update(status_changed_at=timezone.now() - datetime.timedelta(days=31))
    assert Client().get(url).status_code == 404


def test_the_old_style_link_with_the_row_id_is_refused(world):
    old = signing.Signer(salt=tokens.STATUS).sign_object(
        {"id": world.entry.pk, "t": int(world.entry.created_at.timestamp())}
    )
    assert Client().get(reverse("coaching:status", args=[old])).status_code == 404


def test_the_wait_list_refuses_an_address_at_an_ip_literal(world):
    data = {"name": "Ip", "email": "a@[127.0.0.1]", "job_search_stage": "applying",
            "goals": "Get hired."}  # fmt: skip

    response = Client().post(world.waitlist_page.url, data)

    assert response.status_code == 400
    assert "name@example.com" in response.content.decode()
    assert not WaitListEntry.objects.filter(email="a@[127.0.0.1]").exists()


def test_a_certificate_is_kept_by_no_cache_and_out_of_search_engines_unless_chosen(
    world, client_for
):
    url = reverse("course:certificate", args=[world.owner_enrolment.certificate_id])

    response = Client().get(url)
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()

    owner = client_for("owner")
    owner.post(
        reverse("course:completed", args=[world.course.pk]),
        {"first_name": "Olivia", "last_name": "Ownersby", "searchable": "on"},
    )
    listed = Client().get(url)
    assert "X-Robots-Tag" not in listed
    assert 'content="noindex"' not in listed.content.decode()
    assert "no-store" in listed["Cache-Control"]
    course_services.enrolment_set_certificate_searchable(
        enrolment=world.owner_enrolment, searchable=False
    )


def test_an_address_too_long_to_keep_is_refused_not_cut_to_someone_elses(client, db, mailoutbox):
    email = "a" * 250 + "@example.com"  # 262 characters; the account keeps at most 254

    response = client.post(reverse("account_signup"), {"email": email})

    assert response.status_code == 200
    assert "an email address has at most 254" in html.unescape(response.content.decode())
    assert mailoutbox == []
    assert not User.objects.exists()
