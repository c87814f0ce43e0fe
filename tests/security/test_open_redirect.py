"""Open redirects: no `next=` or return URL the site accepts ever sends anyone off-site.

Each flow is walked to its end (a sign-in by code ends where the code is accepted) once per
payload, and every `Location` on the way, plus every link, form action and meta refresh on
the pages shown, must stay on this site. The payloads are the usual tricks: scheme-relative
and backslash URLs, schemes without slashes, credentials before a host, tabs and encodings
browsers strip or decode, `javascript:` and `data:` URLs.
"""

import re
from html import escape
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction

from tests.factories import ArticlePageFactory, UserFactory
from tests.security.conftest import PASSWORD, is_on_site, off_site_targets, verified_user

PAYLOADS = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "http:/evil.example",
    "https://evil.example",
    "HTTPS://EVIL.EXAMPLE/",
    "https://testserver.evil.example/",
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/%09/evil.example",
    "/\t/evil.example",
    "%2F%2Fevil.example",
    "%5C%5Cevil.example",
    "http://127.0.0.1@evil.example",
    "http://testserver@evil.example/",
    "////evil.example",
    " //evil.example",
    "\x01//evil.example",
]
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
PAGE_PASSWORD = "swordfish-and-chips"


def test_the_payloads_are_all_off_site_to_a_browser():
    """The yardstick itself: each payload, followed by a browser, would leave the site."""
    assert len(PAYLOADS) >= 12
    # Percent-encoded ones are paths to a browser; they are here for servers that decode twice.
    staying = [p for p in PAYLOADS if is_on_site(p) and "%" not in p]
    assert staying == [], staying
    assert is_on_site("/my/") and is_on_site("http://testserver/learn/") and is_on_site("?a=1")


def test_the_checker_catches_each_payload_in_a_location_a_link_and_a_meta_refresh():
    """And so a redirect or a link to any of them would fail the tests below."""
    missed = []
    for payload in (p for p in PAYLOADS if "%" not in p):
        redirect = HttpResponse(status=302)
        redirect["Location"] = payload
        link = HttpResponse(f'<a href="{escape(payload)}">Go</a>', content_type="text/html")
        refresh = HttpResponse(
            f'<meta http-equiv="refresh" content="0; url={escape(payload)}">',
            content_type="text/html",
        )
        missed += [
            f"{kind}: {payload!r}"
            for kind, response in (("Location", redirect), ("link", link), ("meta", refresh))
            if not off_site_targets(response)
        ]
    assert missed == []


class Walk:
    """One visitor's way through a flow, remembering everything that points off-site."""

    def __init__(self, client: Client, payload: str):
        self.client, self.payload, self.escapes = client, payload, []

    def see(self, response):
        self.escapes += off_site_targets(response)
        return response

    def get(self, path, data=None):
        return self.see(self.client.get(path, data))

    def post(self, path, data=None):
        return self.see(self.client.post(path, data))


def run_flow(flow, payloads=PAYLOADS) -> list[str]:
    """Every payload through `flow(walk)`; the escapes found, by payload."""
    found = []
    for payload in payloads:
        cache.clear()  # the rate limits are tested elsewhere
        walk = Walk(Client(), payload)
        flow(walk)
        found += [f"{payload!r}: {escape}" for escape in walk.escapes]
    return found


def query(**params) -> str:
    return "?" + urlencode(params)


def code_in(mailoutbox) -> str:
    return CODE.search(mailoutbox[-1].body).group(0)


@pytest.fixture
def known(db):
    return verified_user("known@example.com")


@pytest.fixture
def staff(db):
    return verified_user("coach@example.com", is_staff=True, is_superuser=True)


# allauth: sign-in by code, sign-up, and the pages on the way ------------------------------


def test_sign_in_by_code_ends_on_site(known, mailoutbox):
    def flow(walk):
        walk.get(reverse("account_login"), {"next": walk.payload})
        response = walk.post(
            reverse("account_login") + query(next=walk.payload),
            {"login": known.email, "next": walk.payload},
        )
        assert response.status_code == 302, response.content
        walk.get(response["Location"])
        response = walk.post(reverse("account_confirm_login_code"), {"code": code_in(mailoutbox)})
        assert response.status_code == 302
        assert walk.client.session.get("_auth_user_id") == str(known.pk), "signed in"

    assert run_flow(flow) == []


def test_sign_in_code_request_page_ends_on_site(known, mailoutbox):
    def flow(walk):
        path = reverse("account_request_login_code")
        walk.get(path, {"next": walk.payload})
        walk.post(path + query(next=walk.payload), {"email": known.email, "next": walk.payload})
        response = walk.post(
            reverse("account_confirm_login_code") + query(next=walk.payload),
            {"code": code_in(mailoutbox), "next": walk.payload},
        )
        assert response.status_code == 302

    assert run_flow(flow) == []


def test_sign_up_by_code_ends_on_site(db, mailoutbox):
    def flow(walk):
        email = f"new{len(mailoutbox)}@example.com"
        walk.get(reverse("account_signup"), {"next": walk.payload})
        response = walk.post(
            reverse("account_signup") + query(next=walk.payload),
            {"email": email, "next": walk.payload},
        )
        assert response.status_code == 302
        walk.get(response["Location"])
        response = walk.post(
            reverse("account_confirm_login_code") + query(next=walk.payload),
            {"code": code_in(mailoutbox), "next": walk.payload},
        )
        assert response.status_code == 302
        assert walk.client.session.get("_auth_user_id"), "signed in"

    assert run_flow(flow) == []


def test_signed_in_visitors_sent_away_from_sign_in_and_sign_up_stay_on_site(known):
    def flow(walk):
        walk.client.force_login(known)
        for name in ("account_login", "account_signup", "account_request_login_code"):
            assert walk.get(reverse(name), {"next": walk.payload}).status_code == 302, name

    assert run_flow(flow) == []


def test_signing_out_stays_on_site(known):
    def flow(walk):
        walk.client.force_login(known)
        walk.get(reverse("account_logout"), {"next": walk.payload})
        response = walk.post(reverse("account_logout"), {"next": walk.payload})
        assert response.status_code == 302
        assert "_auth_user_id" not in walk.client.session, "signed out"

    assert run_flow(flow) == []


def test_the_course_start_page_ignores_next(site_tree, known):
    course = site_tree["course"]

    def flow(walk):
        path = reverse("course:start", args=[course.pk])
        walk.get(path, {"next": walk.payload, "source": walk.payload})
        walk.client.force_login(known)
        response = walk.post(path + query(next=walk.payload), {"next": walk.payload})
        assert response["Location"] == site_tree["lessons"][0].url

    assert run_flow(flow) == []


# Wagtail's own doors: the private-page sign-in, page and document passwords, the admin ----


def test_the_private_page_sign_in_stays_on_site(known):
    def flow(walk):
        path = reverse("wagtailcore_login")
        walk.get(path, {"next": walk.payload})
        response = walk.post(
            path, {"username": known.email, "password": PASSWORD, "next": walk.payload}
        )
        assert response.status_code == 302

    assert run_flow(flow) == []


def test_the_page_password_form_stays_on_site(site_tree):
    page = ArticlePageFactory(parent=site_tree["index"])
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password=PAGE_PASSWORD
    )
    path = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, page.pk])

    def flow(walk):
        walk.get(path, {"return_url": walk.payload})
        response = walk.post(path, {"password": PAGE_PASSWORD, "return_url": walk.payload})
        assert response.status_code == 302

    assert run_flow(flow) == []


def test_the_admin_sign_in_stays_on_site(staff):
    def flow(walk):
        path = reverse("wagtailadmin_login")
        walk.get(path, {"next": walk.payload})
        response = walk.post(
            path + query(next=walk.payload),
            {"username": staff.email, "password": PASSWORD, "next": walk.payload},
        )
        assert response.status_code == 302, response.status_code
        assert walk.client.session.get("_auth_user_id") == str(staff.pk), "signed in"

    assert run_flow(flow) == []


def test_a_learner_bounced_from_the_admin_stays_on_site(db):
    learner = UserFactory()

    def flow(walk):
        walk.client.force_login(learner)
        walk.get(reverse("wagtailadmin_home"), {"next": walk.payload})
        walk.get(reverse("wagtailadmin_login"), {"next": walk.payload})

    assert run_flow(flow) == []
