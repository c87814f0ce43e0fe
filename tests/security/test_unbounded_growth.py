"""Finding 4 of issue 22: the page cache's keys are bounded, anonymous visits store nothing,
expired sessions are removed, and crawlers are told what to leave alone.

Each new query string or Host port made a new page-cache entry; 200 cookie-less GETs of a
course's start page created 200 session rows, and nothing ever ran `clearsessions`.
"""

import datetime
import html
import io
import random
import re
from urllib.parse import parse_qs, urlsplit

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory


def test_a_thousand_random_query_strings_and_ports_make_two_entries_and_no_session(
    site_tree, lessons
):
    """1,000 anonymous visits with made-up parameters, page numbers and Host ports: the page
    cache stores the lesson and the article list once each (a new entry is a miss)."""
    rng = random.Random(7)
    urls = [lessons[0].url, site_tree["index"].url]
    misses = 0
    for n in range(1000):
        query = f"{rng.choice(['q', 'x', 'page', 'utm_id'])}={rng.randrange(10**9)}&n={n}"
        host = f"testserver:{rng.randrange(1024, 65535)}" if n % 2 else "testserver"
        response = Client().get(urls[n % 2], QUERY_STRING=query, HTTP_HOST=host)
        assert response.status_code == 200
        misses += response.get("X-Cache") == "miss"

    assert misses == 2
    assert not Session.objects.exists()


def test_anonymous_visits_to_a_start_page_store_no_session(world):
    start = reverse("course:start", args=[world.course.pk])

    for n in range(200):
        response = Client().get(start, {"source": world.article.pk, "utm_source": f"news{n}"})
        assert response.status_code == 200
        assert "sessionid" not in response.cookies

    assert Session.objects.count() == 0


def test_the_wish_to_start_survives_the_sign_up_without_a_session(world):
    """The start page hands allauth a signed `next`; signed in, following it enrols."""
    client = Client()
    start = reverse("course:start", args=[world.course.pk])
    page = client.get(start, {"source": world.article.pk}).content.decode()
    login_link = html.unescape(re.search(r'href="(/accounts/login/\?next=[^"]+)"', page)[1])
    next_url = parse_qs(urlsplit(login_link).query)["next"][0]
    assert next_url.startswith(start + "?intent=")
    assert Session.objects.count() == 0

    client.force_login(UserFactory(email="newcomer@example.com"))
    response = client.get(next_url)

    assert response.status_code == 302
    assert response["Location"] == world.lessons[0].url
    enrolment = world.course.enrolments.get(user__email="newcomer@example.com")
    assert enrolment.source_page_id == world.article.pk


def test_a_forged_or_foreign_wish_enrols_nobody(world, client_for):
    client = client_for("other")
    start = reverse("course:start", args=[world.course.pk])

    response = client.get(start, {"intent": "forged:token"})

    assert response.status_code == 200
    assert not world.course.enrolments.filter(user=world.other).exists()


def test_the_periodic_jobs_remove_expired_sessions(db):
    expired = SessionStore()
    expired["note"] = "old"
    expired.set_expiry(timezone.now() - datetime.timedelta(days=1))
    expired.save()
    current = SessionStore()
    current["note"] = "new"
    current.save()

    out = io.StringIO()
    call_command("run_periodic", stdout=out)

    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
    assert "clearsessions: Removed expired sessions." in out.getvalue()


def test_robots_txt_keeps_crawlers_out_of_private_and_personal_paths(client, db):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    rules = response.content.decode()
    for path in ("/admin/", "/accounts/", "/account/", "/learn/", "/waitlist/", "/my/"):
        assert f"Disallow: {path}\n" in rules
    assert "Sitemap: http://testserver/sitemap.xml" in rules
