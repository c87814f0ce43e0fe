"""Every URL and every page type, classed as public, learner or staff, and checked as such.

The tables below are the inventory. A URL pattern (or a page type) that is not in them fails
`test_every_url_pattern_is_classed` (or the page-type test) with its name: whoever adds a
view decides, here, who may open it. Each entry is then requested for real, with URLs built
from real objects, by an anonymous visitor, by a learner who does not own the object (another
person's reflections, certificate, wait-list link) and by the coach.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.http import int_to_base36
from wagtail.models import get_page_models

from coaching import tokens
from coaching.models import Payment, WaitListEntry
from course.models import Enrolment, LessonProgress, Reflection
from tests.factories import ArticlePageFactory, LessonPageFactory
from tests.security.conftest import OWNER_EMAIL, OWNER_GOALS, OWNER_REFLECTION

PUBLIC, LEARNER, STAFF = "public", "learner", "staff"
OUR_APPS = {"coachhouse", "accounts", "course", "lessons", "coaching"}
LESSON_BODY = "Start with what you want."  # the lesson body the factories write


# Expectations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """Acceptable answers: statuses, and for redirects where they may lead."""

    statuses: frozenset[int]
    to: tuple[str, ...] = ()  # allowed Location prefixes for 3xx; empty: anywhere on-site

    def problem(self, response) -> str | None:
        status = response.status_code
        if status not in self.statuses:
            return f"got {status}, expected one of {sorted(self.statuses)}"
        if 300 <= status < 400 and self.to:
            location = response["Location"]
            if not location.startswith(self.to):
                return f"redirected to {location!r}, expected {' or '.join(self.to)}"
        return None

    def __or__(self, other: "Expect") -> "Expect":
        return Expect(self.statuses | other.statuses, self.to + other.to)


def status(*codes: int, to: tuple[str, ...] = ()) -> Expect:
    return Expect(frozenset(codes), to)


OK = status(200)
NOT_FOUND = status(404)
NOT_ALLOWED = status(405)
SIGN_IN = status(302, to=("/accounts/login/",))
ADMIN_SIGN_IN = status(302, to=("/admin/login/",))
# allauth's pages for one's own authenticators: shown, or sent to a recent sign-in first, or
# "nothing of that kind" (404) for someone without one.
MFA_PAGE = status(200, 302, 404)
SITES_SECOND_FACTOR = {
    "other": status(302, to=("/account/",)),
    "staff": status(302, to=("/admin/2fa/",)),
}


@dataclass(frozen=True)
class Route:
    """How one URL pattern is reached and who may use it."""

    access: str
    url: Callable  # world, extra -> the owner's (or a valid) URL
    method: str = "get"
    data: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    anonymous: Expect | None = None
    other: Expect | None = None
    staff: Expect | None = None
    # A non-owner's attempt at someone else's object (a tampered link, another id).
    foreign_url: Callable | None = None
    foreign: Expect = NOT_FOUND
    foreign_method: str | None = None  # how the attempt is sent, if not as `method`
    # Secrets the valid URL rightly shows whoever holds it (a signed link is a key); each a
    # string or a function of the world.
    reveals: tuple = ()
    # What the owner's own request must show: proves the others' "not shown" is meaningful.
    owner_sees: tuple = ()

    def expected(self, who: str) -> Expect:
        given = {"anonymous": self.anonymous, "other": self.other, "staff": self.staff}[who]
        if given is not None:
            return given
        if self.access == PUBLIC:
            return self.anonymous or OK
        if self.access == LEARNER:
            return SIGN_IN if who == "anonymous" else OK
        return ADMIN_SIGN_IN if who != "staff" else OK


def tampered(token: str) -> str:
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


def path_of(name: str, *args) -> Callable:
    return lambda w, x: reverse(name, args=[arg(w, x) if callable(arg) else arg for arg in args])


def coaching_url(name: str, purpose: str, entry: str = "entry", tamper: bool = False):
    def url(w, x):
        token = tokens.make_token(getattr(w, entry), purpose)
        return reverse(name, args=[tampered(token) if tamper else token])

    return url


def unsubscribe_url(tamper: bool = False):
    def url(w, x):
        from accounts.tokens import unsubscribe_token

        token = unsubscribe_token(w.owner)
        return reverse("accounts:unsubscribe", args=[tampered(token) if tamper else token])

    return url


def success_url(session_id: str) -> str:
    return reverse("coaching:payment-success") + f"?session_id={session_id}"


def certificate_id(world) -> str:
    return str(world.owner_enrolment.certificate_id)


def texts(world, items) -> list[str]:
    return [item(world) if callable(item) else item for item in items]


JSON = {"HTTP_ACCEPT": "application/json"}
SECRETS_OF_ENTRY = (OWNER_GOALS,)

# Our own URL patterns, each by name ---------------------------------------------------------

ROUTES: dict[str, Route] = {
    # allauth: sign-up, sign-in by code, password reset; its account pages are a learner's.
    "account_login": Route(PUBLIC, path_of("account_login"), other=status(302), staff=status(302)),
    "account_signup": Route(
        PUBLIC, path_of("account_signup"), other=status(302), staff=status(302)
    ),
    "account_request_login_code": Route(
        PUBLIC, path_of("account_request_login_code"), other=status(302), staff=status(302)
    ),
    # Without a code requested in this session, there is nothing to enter: back to sign-in.
    "account_confirm_login_code": Route(
        PUBLIC,
        path_of("account_confirm_login_code"),
        anonymous=status(302, to=("/accounts/login/",)),
        other=status(302),
        staff=status(302),
    ),
    "account_email_verification_sent": Route(
        PUBLIC,
        path_of("account_email_verification_sent"),
        anonymous=status(200, 302),
        other=status(200, 302),
        staff=status(200, 302),
    ),
    # Signed in: a page with a "Sign out" button (a GET signs nobody out).
    "account_logout": Route(
        PUBLIC, path_of("account_logout"), anonymous=status(302, to=("/",)), other=OK, staff=OK
    ),
    "account_inactive": Route(PUBLIC, path_of("account_inactive")),
    "account_reset_password": Route(PUBLIC, path_of("account_reset_password")),
    "account_reset_password_done": Route(PUBLIC, path_of("account_reset_password_done")),
    "account_reset_password_from_key": Route(
        PUBLIC,
        lambda w, x: reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": int_to_base36(w.owner.pk), "key": "not-the-key-we-sent"},
        ),
    ),
    "account_reset_password_from_key_done": Route(
        PUBLIC, path_of("account_reset_password_from_key_done")
    ),
    "account_email": Route(LEARNER, path_of("account_email")),
    "account_change_password": Route(LEARNER, path_of("account_change_password")),
    "account_set_password": Route(
        LEARNER,
        path_of("account_set_password"),
        other=status(302, to=("/accounts/password/change/",)),
        staff=status(302, to=("/accounts/password/change/",)),
    ),
    "account_reauthenticate": Route(LEARNER, path_of("account_reauthenticate")),
    # accounts: the learner's own pages.
    "accounts:dashboard": Route(LEARNER, path_of("accounts:dashboard")),
    "accounts:account": Route(LEARNER, path_of("accounts:account"), owner_sees=(OWNER_EMAIL,)),
    "accounts:export": Route(
        LEARNER, path_of("accounts:export"), owner_sees=(OWNER_EMAIL, OWNER_REFLECTION)
    ),
    "accounts:delete": Route(LEARNER, path_of("accounts:delete")),
    # Shown once, to the browser that just deleted its account; anyone else goes home.
    # allauth's MFA pages: a staff member signing in through allauth gives their code here
    # (without a sign-in under way there is nothing to answer); the rest manage one's own
    # authenticators, so they are a signed-in person's.
    "mfa_authenticate": Route(
        PUBLIC,
        path_of("mfa_authenticate"),
        anonymous=status(302, to=("/accounts/login/",)),
        other=status(302),
        staff=status(302),
    ),
    "mfa_reauthenticate": Route(
        LEARNER, path_of("mfa_reauthenticate"), other=MFA_PAGE, staff=MFA_PAGE
    ),
    # allauth's pages for managing one's authenticators: the site manages the admin's on its
    # own page, so these send staff there and anyone else to their account page.
    "mfa_index": Route(LEARNER, path_of("mfa_index"), **SITES_SECOND_FACTOR),
    "mfa_activate_totp": Route(LEARNER, path_of("mfa_activate_totp"), **SITES_SECOND_FACTOR),
    "mfa_deactivate_totp": Route(LEARNER, path_of("mfa_deactivate_totp"), **SITES_SECOND_FACTOR),
    "mfa_view_recovery_codes": Route(
        LEARNER, path_of("mfa_view_recovery_codes"), **SITES_SECOND_FACTOR
    ),
    "mfa_generate_recovery_codes": Route(
        LEARNER, path_of("mfa_generate_recovery_codes"), **SITES_SECOND_FACTOR
    ),
    "mfa_download_recovery_codes": Route(
        LEARNER, path_of("mfa_download_recovery_codes"), **SITES_SECOND_FACTOR
    ),
    "robots-txt": Route(PUBLIC, path_of("robots-txt")),
    # Renditions from MEDIA_ROOT/images (coachhouse/media.py): public files, nothing else.
    "media-rendition": Route(
        PUBLIC,
        lambda w, x: reverse("media-rendition", args=["no-such-rendition.jpg"]),
        anonymous=NOT_FOUND,
        other=NOT_FOUND,
        staff=NOT_FOUND,
    ),
    "accounts:deleted": Route(
        PUBLIC,
        path_of("accounts:deleted"),
        anonymous=status(302, to=("/",)),
        other=status(302, to=("/",)),
        staff=status(302, to=("/",)),
    ),
    "accounts:unsubscribe": Route(
        PUBLIC,
        unsubscribe_url(),
        reveals=(OWNER_EMAIL,),
        foreign_url=unsubscribe_url(tamper=True),
        owner_sees=(OWNER_EMAIL,),
    ),
    # course
    "course:start": Route(
        PUBLIC,
        path_of("course:start", lambda w, x: w.course.pk),
        other=OK,
        staff=OK,
    ),
    "course:completed": Route(
        LEARNER,
        path_of("course:completed", lambda w, x: w.course.pk),
        # Not enrolled: sent to the course's start page, never shown anyone's certificate.
        other=status(302, to=("/learn/",)),
        staff=status(302, to=("/learn/",)),
        owner_sees=(certificate_id,),
    ),
    "course:nudges-break": Route(
        LEARNER,
        path_of("course:nudges-break", lambda w, x: w.course.pk),
        method="post",
        other=NOT_FOUND,
        staff=NOT_FOUND,
    ),
    "course:lesson-progress": Route(
        LEARNER,
        path_of("course:lesson-progress", lambda w, x: w.lessons[1].pk),
        method="post",
        data={"action": "uncomplete"},
        headers=JSON,
        other=status(403),
        staff=status(403),
    ),
    "course:reflection": Route(
        LEARNER,
        lambda w, x: reverse("course:reflection", args=[w.lessons[1].pk, w.reflection_block_id]),
        method="post",
        data={"answer": "Overwritten by someone else"},
        headers=JSON,
        other=status(403),
        staff=status(403),
    ),
    "course:notes": Route(LEARNER, path_of("course:notes"), owner_sees=(OWNER_REFLECTION,)),
    # Public by design (an employer verifies it), at an unguessable address, only once earned.
    "course:certificate": Route(
        PUBLIC,
        path_of("course:certificate", lambda w, x: w.owner_enrolment.certificate_id),
        reveals=(certificate_id,),
        foreign_url=lambda w, x: reverse("course:certificate", args=[x["unfinished"]]),
        owner_sees=("Olivia Ownersby",),
    ),
    # coaching: signed links from emails are the key; a tampered one opens nothing.
    "coaching:confirm": Route(
        PUBLIC,
        coaching_url("coaching:confirm", tokens.CONFIRM),
        foreign_url=coaching_url("coaching:confirm", tokens.CONFIRM, tamper=True),
    ),
    "coaching:status": Route(
        PUBLIC,
        coaching_url("coaching:status", tokens.STATUS),
        reveals=SECRETS_OF_ENTRY,
        foreign_url=coaching_url("coaching:status", tokens.STATUS, tamper=True),
        owner_sees=(OWNER_GOALS,),
    ),
    "coaching:leave": Route(
        PUBLIC,
        coaching_url("coaching:leave", tokens.STATUS),
        anonymous=NOT_ALLOWED,
        foreign_url=coaching_url("coaching:leave", tokens.STATUS, tamper=True),
        foreign_method="post",
    ),
    "coaching:rejoin": Route(
        PUBLIC,
        coaching_url("coaching:rejoin", tokens.STATUS),
        anonymous=NOT_ALLOWED,
        foreign_url=coaching_url("coaching:rejoin", tokens.STATUS, tamper=True),
        foreign_method="post",
    ),
    "coaching:invitation": Route(
        PUBLIC,
        coaching_url("coaching:invitation", tokens.INVITATION, entry="invited"),
        # The owner's status link is not an invitation, even though it is genuinely signed.
        foreign_url=lambda w, x: reverse(
            "coaching:invitation", args=[tokens.make_token(w.entry, tokens.STATUS)]
        ),
    ),
    "coaching:checkout": Route(
        PUBLIC,
        coaching_url("coaching:checkout", tokens.INVITATION, entry="invited"),
        anonymous=NOT_ALLOWED,
        foreign_url=coaching_url("coaching:checkout", tokens.INVITATION, "invited", tamper=True),
        foreign_method="post",
    ),
    # Buying a course with a price: a signed-in person's. The world's course is free (and
    # Stripe is not set up here): sent back to its start page, with the reason.
    "coaching:course-checkout": Route(
        LEARNER,
        path_of("coaching:course-checkout", lambda w, x: w.course.pk),
        method="post",
        anonymous=status(302, to=("/learn/",)),
        other=status(302, to=("/learn/",)),
        staff=status(302, to=("/learn/",)),
    ),
    # Only the buyer's own order's session id opens anything.
    "coaching:course-payment-success": Route(
        LEARNER,
        lambda w, x: reverse("coaching:course-payment-success") + "?session_id=cs_not_ours",
        other=NOT_FOUND,
        staff=NOT_FOUND,
    ),
    "coaching:payment-success": Route(
        PUBLIC,
        lambda w, x: (
            reverse("coaching:payment-success") + f"?session_id={w.payment.stripe_session_id}"
        ),
        foreign_url=lambda w, x: reverse("coaching:payment-success") + "?session_id=cs_not_ours",
    ),
    "coaching:stripe-webhook": Route(
        PUBLIC,
        path_of("coaching:stripe-webhook"),
        anonymous=NOT_ALLOWED,
        # Unsigned: refused.
        foreign_url=path_of("coaching:stripe-webhook"),
        foreign=status(400),
        foreign_method="post",
    ),
    # Wagtail's public views: documents, sitemap, feed, page privacy forms, and the pages.
    "wagtaildocs_serve": Route(
        PUBLIC,
        lambda w, x: reverse("wagtaildocs_serve", args=[x["document"].pk, x["document"].filename]),
        foreign_url=lambda w, x: reverse(
            "wagtaildocs_serve", args=[x["private_document"].pk, x["private_document"].filename]
        ),
        # A password-protected collection answers with its password form, not the file.
        foreign=OK,
    ),
    "wagtaildocs_authenticate_with_password": Route(
        PUBLIC,
        lambda w, x: reverse(
            "wagtaildocs_authenticate_with_password", args=[x["collection_restriction"].pk]
        ),
    ),
    "sitemap": Route(PUBLIC, path_of("sitemap")),
    "article-feed": Route(PUBLIC, path_of("article-feed")),
    "wagtailcore_authenticate_with_password": Route(
        PUBLIC,
        lambda w, x: reverse(
            "wagtailcore_authenticate_with_password",
            args=[x["page_restriction"].pk, x["page_restriction"].page_id],
        ),
    ),
    "wagtailcore_login": Route(PUBLIC, path_of("wagtailcore_login")),
    # Every page type is classed in PAGE_TYPES below; here the home page stands for them.
    "wagtail_serve": Route(PUBLIC, lambda w, x: "/"),
}

# The Wagtail admin, ours included (wait list, payments, reports): STAFF as a group, by
# prefix, except the doors into it.
ADMIN_PREFIX = "admin/"
ADMIN_PUBLIC = {
    "admin/login/",  # our rate-limited sign-in, ahead of Wagtail's own (unnamed)
    "wagtailadmin_login",
    "wagtailadmin_password_reset",
    "wagtailadmin_password_reset_done",
    "wagtailadmin_password_reset_confirm",
    "wagtailadmin_password_reset_complete",
    "wagtailadmin_javascript_catalog",  # the admin's translated strings
    "wagtailadmin_sprite",  # the admin's icons
}
# Wagtail's deliberate error page, for checking error reporting; superusers only.
ADMIN_RAISES_ON_PURPOSE = {"wagtailadmin_error_test"}

# Our admin screens, each opened by the coach with real objects.
OUR_ADMIN_SCREENS = {
    "coaching_waitlist:index": lambda w, x: reverse("coaching_waitlist:index"),
    "coaching_waitlist:inspect": lambda w, x: reverse(
        "coaching_waitlist:inspect", args=[w.entry.pk]
    ),
    "coaching_waitlist:edit": lambda w, x: reverse("coaching_waitlist:edit", args=[w.entry.pk]),
    "coaching_waitlist:invite": lambda w, x: reverse("coaching_waitlist:invite"),
    "coaching_payments:index": lambda w, x: reverse("coaching_payments:index"),
    "coaching_payments:inspect": lambda w, x: reverse(
        "coaching_payments:inspect", args=[w.payment.pk]
    ),
    "coachhouse_reports:funnel": lambda w, x: reverse("coachhouse_reports:funnel"),
    "coachhouse_reports:attribution": lambda w, x: reverse("coachhouse_reports:attribution"),
    "coachhouse_reports:learners": lambda w, x: reverse("coachhouse_reports:learners"),
    "coachhouse_reports:enrolments": lambda w, x: reverse("coachhouse_reports:enrolments"),
    "background_tasks:index": lambda w, x: reverse("background_tasks:index"),
    "wagtailadmin_home": lambda w, x: reverse("wagtailadmin_home"),
}

# Every page type of ours ------------------------------------------------------------------


@dataclass(frozen=True)
class PageType:
    access: str
    page: Callable  # world -> a live page of this type
    # Text only those allowed in may read (the lesson body); None: everyone reads it all.
    members_only: str | None = None
    members: tuple[str, ...] = ()


PAGE_TYPES: dict[str, PageType] = {
    "coachhouse.HomePage": PageType(PUBLIC, lambda w: w.home),
    "coachhouse.ArticleIndexPage": PageType(PUBLIC, lambda w: w.index),
    "coachhouse.ArticlePage": PageType(PUBLIC, lambda w: w.article),
    "course.CoursePage": PageType(PUBLIC, lambda w: w.course),
    "coaching.WaitListPage": PageType(PUBLIC, lambda w: w.waitlist_page),
    # Anyone sees a lesson's title and summary; only enrolled learners (and editors) read it,
    # free previews aside, and each learner sees only their own reflections.
    "lessons.LessonPage": PageType(
        LEARNER, lambda w: w.lessons[1], members_only=LESSON_BODY, members=("owner", "staff")
    ),
}


# Walking the URLconf ---------------------------------------------------------------------


def url_patterns(patterns=None, prefix: str = "", namespace: str | None = None):
    """(route, name, pattern) for every URL pattern, however deeply included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from url_patterns(pattern.url_patterns, route, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name, pattern


def is_admin(route: str) -> bool:
    return route.startswith(ADMIN_PREFIX)


def sample_path(route: str) -> str | None:
    """A concrete path for a route, with made-up values for its parameters."""
    path = "/" + route
    path = re.sub(r"\(\?P<\w+>[^()]*\)", "1", path)
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<uuid:\w+>", str(uuid.UUID(int=1)), path)
    path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
    path = path.replace("^", "").replace("$", "").replace(r"\.", ".").replace(".*", "x")
    try:
        resolve(path)
    except Exception:
        return None
    return path


# Fixtures --------------------------------------------------------------------------------


def owner_state(world) -> tuple:
    """Everything of the owner's (and the invitee's) that nobody else's request may change."""
    return (
        list(Reflection.objects.filter(user=world.owner).values_list("block_id", "answer")),
        list(
            LessonProgress.objects.filter(user=world.owner)
            .order_by("lesson_id")
            .values_list("lesson_id", "completed_at")
        ),
        list(
            Enrolment.objects.filter(user=world.owner).values_list(
                "completed_at", "nudges_paused_until"
            )
        ),
        list(WaitListEntry.objects.order_by("pk").values_list("pk", "status", "name", "goals")),
        list(Payment.objects.values_list("pk", "status")),
        list(
            type(world.owner)
            .objects.filter(pk=world.owner.pk)
            .values_list("email", "first_name", "course_emails_unsubscribed_at")
        ),
    )


def request(client, route: Route, url: str, method: str | None = None):
    send = getattr(client, method or route.method)
    return send(url, route.data, **route.headers)


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def leaks(response, secrets) -> list[str]:
    body = body_of(response)
    return [secret for secret in secrets if secret in body]


# The tests -------------------------------------------------------------------------------


def test_every_url_pattern_is_classed():
    unclassed = sorted(
        f"{name or '(unnamed)'} at /{route}"
        for route, name, _ in url_patterns()
        if not is_admin(route) and name not in ROUTES
    )
    assert not unclassed, (
        "URL patterns nobody classed as public, learner or staff; add them to ROUTES in "
        f"{__file__}: {unclassed}"
    )
    names = {name for route, name, _ in url_patterns() if not is_admin(route)}
    stale = sorted(set(ROUTES) - names)
    assert not stale, f"ROUTES lists URL names that no longer exist: {stale}"


def test_every_page_type_is_classed():
    ours = {model._meta.label for model in get_page_models() if model._meta.app_label in OUR_APPS}
    unclassed = sorted(ours - set(PAGE_TYPES))
    assert not unclassed, (
        f"page types nobody classed as public, learner or staff; add them to PAGE_TYPES: "
        f"{unclassed}"
    )
    assert set(PAGE_TYPES) <= ours, f"stale PAGE_TYPES: {sorted(set(PAGE_TYPES) - ours)}"


@pytest.mark.parametrize("who", ["anonymous", "other", "staff"])
def test_each_of_our_urls_answers_each_kind_of_visitor_as_classed(world, extra, client_for, who):
    """Anonymous: public pages, sign-in for learner pages. Another learner: refused, or their
    own data only. The coach: no error. Nobody but the owner sees the owner's data, and
    nobody else's request changes it."""
    problems = []
    for name, route in ROUTES.items():
        before = owner_state(world)
        client = client_for(who)
        response = request(client, route, route.url(world, extra))
        if response.status_code >= 500:
            problems.append(f"{name}: {response.status_code} for {who}")
            continue
        problem = route.expected(who).problem(response)
        if problem:
            problems.append(f"{name} ({who}): {problem}")
        revealed = texts(world, route.reveals)
        leaked = leaks(response, [s for s in world.secrets if s not in revealed])
        if leaked:
            problems.append(f"{name} ({who}) shows the owner's {leaked}")
        if route.foreign_url is not None:
            response = request(client, route, route.foreign_url(world, extra), route.foreign_method)
            problem = route.foreign.problem(response)
            if problem:
                problems.append(f"{name} ({who}, someone else's object): {problem}")
            if leaked := leaks(response, world.secrets):
                problems.append(f"{name} ({who}, someone else's object) shows {leaked}")
        if owner_state(world) != before:
            problems.append(f"{name} ({who}) changed the owner's data")
    assert not problems, "\n".join(problems)


def test_the_owner_sees_their_own_data_where_the_others_are_refused_it(world, extra, client_for):
    """The positive control for the test above: the secrets really are on the owner's pages."""
    client = client_for("owner")
    missing = []
    for name, route in ROUTES.items():
        if not route.owner_sees:
            continue
        response = request(client, route, route.url(world, extra))
        body = response.content.decode()
        wanted = texts(world, route.owner_sees)
        absent = [text for text in wanted if text not in body]
        if response.status_code != 200 or absent:
            missing.append(f"{name}: {response.status_code}, missing {absent}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("who", ["anonymous", "other"])
def test_every_admin_url_sends_non_staff_to_the_admin_sign_in(world, client_for, who):
    client = client_for(who)
    problems, checked = [], 0
    for route, name, _ in url_patterns():
        if not is_admin(route) or (name or route) in ADMIN_PUBLIC:
            continue
        path = sample_path(route)
        assert path is not None, f"cannot build a URL for the admin route {route} ({name})"
        response = client.get(path)
        checked += 1
        if problem := (ADMIN_SIGN_IN | status(403)).problem(response):
            problems.append(f"{name or route} ({path}): {problem}")
    assert checked > 100, "the admin's URL patterns were not found"
    assert not problems, "\n".join(problems)


def test_the_admins_public_doors_are_open_to_anyone(db, client):
    for route, name, _ in url_patterns():
        if (name or route) in ADMIN_PUBLIC:
            response = client.get(sample_path(route))
            assert response.status_code == 200, name or route


def test_no_admin_url_fails_for_the_coach_even_with_made_up_ids(world, client_for):
    client = client_for("staff")
    errors = []
    for route, name, _ in url_patterns():
        if not is_admin(route) or name in ADMIN_RAISES_ON_PURPOSE:
            continue
        response = client.get(sample_path(route))
        if response.status_code >= 500:
            errors.append(f"{name or route}: {response.status_code}")
    assert not errors, errors


def test_our_admin_screens_open_for_the_coach_and_for_nobody_else(world, extra, client_for):
    problems = []
    for who, expected in (("staff", OK), ("other", ADMIN_SIGN_IN | status(403))):
        client = client_for(who)
        for name, url in OUR_ADMIN_SCREENS.items():
            response = client.get(url(world, extra))
            if problem := expected.problem(response):
                problems.append(f"{name} ({who}): {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("who", ["anonymous", "other", "owner", "staff"])
def test_each_page_type_answers_each_kind_of_visitor_as_classed(world, client_for, who):
    client = client_for(who)
    problems = []
    for label, page_type in PAGE_TYPES.items():
        response = client.get(page_type.page(world).url)
        if response.status_code != 200:
            problems.append(f"{label} ({who}): {response.status_code}")
            continue
        body = response.content.decode()
        allowed_in = page_type.access == PUBLIC or who in page_type.members
        if page_type.members_only and (page_type.members_only in body) != allowed_in:
            problems.append(f"{label} ({who}): members-only text shown={not allowed_in}")
        if who != "owner" and (leaked := leaks(response, world.secrets)):
            problems.append(f"{label} ({who}) shows the owner's {leaked}")
    if who == "owner":
        lesson = client.get(world.lessons[1].url).content.decode()
        if OWNER_REFLECTION not in lesson:
            problems.append("the owner does not see their own reflection on the lesson")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("who", ["anonymous", "other"])
def test_drafts_and_password_protected_pages_stay_closed(world, extra, client_for, who):
    client = client_for(who)
    draft_lesson = LessonPageFactory(parent=world.course, title="Draft lesson", live=False)
    draft_article = ArticlePageFactory(parent=world.index, title="Draft article", live=False)
    protected = extra["page_restriction"].page.specific

    for page in (draft_lesson, draft_article):
        assert client.get(f"{world.course.url}{page.slug}/").status_code == 404
        assert client.get(f"{world.index.url}{page.slug}/").status_code == 404
    response = client.get(protected.url)
    assert response.status_code == 200
    assert "password" in response.content.decode().lower()
    assert "Talk to people." not in response.content.decode()  # the article's body
    document = extra["private_document"]
    response = client.get(reverse("wagtaildocs_serve", args=[document.pk, document.filename]))
    assert b"PRIVATE-DOCUMENT-TEXT" not in b"".join(response)
