"""Shared pieces of the security suite: a populated site, clients, and what counts as on-site.

The `world` fixture builds one site with two learners (an owner with private data, and
someone else), a coach, wait-list entries and a payment, so every URL can be built from real
objects. Its `secrets` are strings only the owner's pages may ever show.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from accounts.models import User
from coaching import services as coaching_services
from coaching import tokens
from coaching.models import CoachingSettings, Payment, WaitListEntry
from course import services as course_services
from course.certificates import certificate_issue
from course.models import Enrolment
from tests.factories import (
    ArticlePageFactory,
    CoachingPackageFactory,
    UserFactory,
    WaitListEntryFactory,
    WaitListPageFactory,
    sign_in_to_admin,
)
from tests.stripe_server import StripeServer

PASSWORD = "a long and unguessable passphrase 42"
RESTRICTION_PASSWORD = "swordfish-and-chips"
SITE_HOST = "testserver"

# Things the owner wrote or is; another learner's pages must never show them.
OWNER_EMAIL = "olive.owner@example.com"
OWNER_NAME = "Olivia Ownersby"
OWNER_REFLECTION = "OWNER-PRIVATE-REFLECTION sea air and a shorter commute"
OWNER_GOALS = "OWNER-PRIVATE-GOALS negotiate a four-day week"


@dataclass
class World:
    home: object
    course: object
    lessons: list
    index: object
    article: object
    waitlist_page: object
    owner: User
    other: User
    staff: User
    owner_enrolment: Enrolment
    entry: WaitListEntry  # the owner's wait-list entry: waiting
    invited: WaitListEntry  # someone invited, with a pending payment
    package: object
    payment: Payment
    secrets: list[str] = field(default_factory=list)

    @property
    def reflection_block_id(self) -> str:
        lesson = self.lessons[1]
        return next(b.id for b in lesson.body if b.block_type == "reflection")

    def token(self, entry: WaitListEntry, purpose: str) -> str:
        return tokens.make_token(entry, purpose)


def verified_user(email: str, **fields) -> User:
    user = UserFactory(email=email, **fields)
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def world(site_tree) -> World:
    home, course, lessons = site_tree["home"], site_tree["course"], site_tree["lessons"]
    CoachingSettings.load()
    article = ArticlePageFactory(parent=site_tree["index"])
    waitlist_page = WaitListPageFactory(parent=home)

    owner = verified_user(OWNER_EMAIL, first_name="Olivia", last_name="Ownersby")
    other = verified_user("someone.else@example.com", first_name="Sam", last_name="Else")
    staff = verified_user("coach@example.com", is_staff=True, is_superuser=True)

    enrolment, _ = course_services.enrolment_create(user=owner, course=course)
    for lesson in lessons:
        course_services.lesson_complete(user=owner, lesson=lesson)
    block_id = next(b.id for b in lessons[1].body if b.block_type == "reflection")
    course_services.reflection_save(
        user=owner, lesson=lessons[1], block_id=block_id, prompt="?", answer=OWNER_REFLECTION
    )
    enrolment.refresh_from_db()
    certificate_issue(enrolment=enrolment, first_name="Olivia", last_name="Ownersby")

    entry = coaching_services.waitlist_confirm(
        entry=WaitListEntryFactory(
            name=OWNER_NAME, email=OWNER_EMAIL, goals=OWNER_GOALS, user=owner
        )
    )
    invited = coaching_services.waitlist_invite(
        entry=WaitListEntryFactory(waiting=True, name="Ivy Invited", email="ivy@example.com")
    )
    package = CoachingPackageFactory(name="Three-session sprint", price_minor=45000)
    payment = Payment.objects.create(
        entry=invited,
        package=package,
        amount_minor=package.price_minor,
        currency="gbp",
        stripe_session_id="cs_test_world_session",
        checkout_url="https://checkout.stripe.test/pay/cs_test_world_session",
    )
    return World(
        home=home,
        course=course,
        lessons=lessons,
        index=site_tree["index"],
        article=article,
        waitlist_page=waitlist_page,
        owner=owner,
        other=other,
        staff=staff,
        owner_enrolment=enrolment,
        entry=entry,
        invited=invited,
        package=package,
        payment=payment,
        secrets=[OWNER_EMAIL, OWNER_REFLECTION, OWNER_GOALS, str(enrolment.certificate_id)],
    )


@pytest.fixture
def extra(world, settings, tmp_path):
    """Objects some URLs need beyond the world: documents, restrictions, an unfinished course."""
    settings.MEDIA_ROOT = tmp_path
    document_model = get_document_model()
    root = Collection.get_first_root_node()
    document = document_model.objects.create(
        title="Worksheet",
        file=ContentFile(b"A worksheet: three roles you would love.", name="worksheet.txt"),
    )
    private = root.add_child(name="Coach only")
    collection_restriction = CollectionViewRestriction.objects.create(
        collection=private,
        restriction_type=CollectionViewRestriction.PASSWORD,
        password=RESTRICTION_PASSWORD,
    )
    private_document = document_model.objects.create(
        title="Private notes",
        file=ContentFile(b"PRIVATE-DOCUMENT-TEXT", name="private.txt"),
        collection=private,
    )
    protected = ArticlePageFactory(parent=world.index, title="Members' article")
    page_restriction = PageViewRestriction.objects.create(
        page=protected, restriction_type=PageViewRestriction.PASSWORD, password=RESTRICTION_PASSWORD
    )
    # A third learner, half-way through: their certificate does not exist yet.
    unfinished, _ = course_services.enrolment_create(
        user=UserFactory(email="third@example.com"), course=world.course
    )
    return {
        "document": document,
        "private_document": private_document,
        "collection_restriction": collection_restriction,
        "page_restriction": page_restriction,
        "unfinished": unfinished.certificate_id,
    }


@pytest.fixture
def stripe_server(settings):
    """The suite's own Stripe on 127.0.0.1, with the site's settings pointed at it."""
    server = StripeServer(api_key="sk_test_local", webhook_secret="whsec_local")
    server.start()
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_SECRET_KEY = server.api_key
    settings.STRIPE_WEBHOOK_SECRET = server.webhook_secret
    yield server
    server.stop()


@pytest.fixture
def client_for(world):
    """A fresh client signed in as `who` ("anonymous", "other", "owner" or "staff")."""

    def make(who: str, **kwargs) -> Client:
        client = Client(**kwargs)
        if who != "anonymous":
            sign_in_to_admin(client, getattr(world, who))
        return client

    return make


@pytest.fixture
def person(client_for):
    """One signed-in client per person for a whole test: Hypothesis runs every example of a
    test in one call, and signing in afresh for each would cost more than the request."""
    clients: dict[str, Client] = {}

    def get(who: str) -> Client:
        if who not in clients:
            clients[who] = client_for(who)
        return clients[who]

    return get


# Request bodies that keep what a browser (or an attacker) can really send -----------------


def form_body(data: dict) -> bytes:
    """URL-encode `data` as UTF-8, letting lone surrogates through as the bytes they'd be.

    The test client encodes with strict UTF-8 and would raise before sending a lone
    surrogate; `surrogatepass` sends the (invalid) bytes, as a hostile client can. Values may
    also be bytes, sent as they are.
    """
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass").encode("ascii")


def as_received(value: str | bytes) -> str:
    """What Django reads back from a form field carrying `value` (invalid bytes become U+FFFD)."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def post_form(client: Client, path: str, data: dict, **extra):
    return client.post(
        path, form_body(data), content_type="application/x-www-form-urlencoded", **extra
    )


# What counts as staying on the site -------------------------------------------------------

_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def browser_normalised(url: str) -> str:
    """The URL as a browser's URL parser sees it: C0 controls and spaces trimmed, tabs and
    newlines dropped anywhere, backslashes as slashes (for http(s) and relative URLs)."""
    url = url.strip(_C0_AND_SPACE)
    url = re.sub(r"[\t\n\r]", "", url)
    url = url.replace("\\", "/")
    # Any number of slashes before a host is still a host ("///evil.example").
    return "//" + url.lstrip("/") if url.startswith("//") else url


def is_on_site(url: str) -> bool:
    """True if following `url` from a page of this site stays on this site."""
    parts = urlsplit(browser_normalised(url))
    scheme = parts.scheme.lower()
    if scheme and scheme not in ("http", "https"):
        return False  # javascript:, data:, vbscript:, ...
    if scheme and not parts.netloc:
        # "https:evil.example": a browser on http://testserver reads it as https://evil.example.
        return False
    return not parts.netloc or parts.hostname == SITE_HOST


class _LinkParser(HTMLParser):
    ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name in self.ATTRIBUTES and value is not None:
                self.urls.append(value)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            match = re.search(r"url\s*=\s*['\"]?([^'\"]*)", values.get("content") or "", re.I)
            if match:
                self.urls.append(match.group(1))


def page_urls(html: str) -> list[str]:
    """Every URL a browser could follow or load from `html`: links, forms, meta refresh."""
    parser = _LinkParser()
    parser.feed(html)
    return parser.urls


def off_site_targets(response, markers=("evil", "alert")) -> list[str]:
    """The Location and the followable URLs in the page that leave the site for somewhere an
    attacker named (a URL containing one of `markers`; pages may link elsewhere on purpose)."""
    found = []
    location = response.headers.get("Location")
    targets = [f"Location: {location}"] if location is not None else []
    if "html" in response.headers.get("Content-Type", ""):
        content = response.content.decode("utf-8", "replace")
        targets += [f"link: {url}" for url in page_urls(content)]
    for target in targets:
        url = target.split(": ", 1)[1]
        if not is_on_site(url) and any(m in browser_normalised(url).lower() for m in markers):
            found.append(target)
    return found


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")
