"""Every form refuses a POST without its CSRF token, and changes nothing.

Two parts. A sweep posts, without a token, to every URL of the inventory, every page type
and every admin URL: each answers 403, except the two views that must take posts from
outside (Stripe's webhook and the RFC 8058 one-click unsubscribe). Then each real form is
posted twice: without the token (403, nothing changed) and with it (accepted, the change
made), so the 403 is known to come from the missing token and not from something else.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from coaching import services as coaching_services
from coaching import tokens
from coaching.models import Payment, WaitListEntry
from course.models import Enrolment, LessonProgress, Reflection
from tests.factories import UserFactory, WaitListEntryFactory, sign_in_to_admin
from tests.security.conftest import PASSWORD, RESTRICTION_PASSWORD, verified_user
from tests.security.test_url_inventory import (
    PAGE_TYPES,
    ROUTES,
    is_admin,
    sample_path,
    url_patterns,
)

User = get_user_model()
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")
TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# The only views that take a POST without a token, and why (tests of their own elsewhere).
EXEMPT = {
    "coaching:stripe-webhook",  # Stripe signs its events; it has no session with us
    "accounts:unsubscribe",  # RFC 8058: mail providers post without cookies; the link signs
}


def strict_client(who=None) -> Client:
    """A browser with CSRF checks on, as in production, holding a CSRF cookie but no token."""
    client = Client(enforce_csrf_checks=True)
    if who is not None:
        sign_in_to_admin(client, who)
    csrf_token(client)
    return client


def csrf_token(client) -> str:
    """The token a form on the site gives this visitor (from a page that renders one)."""
    page = "/account/" if "_auth_user_id" in client.session else reverse("account_login")
    match = TOKEN_FIELD.search(client.get(page).content.decode())
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def refused_for_csrf(response) -> bool:
    return response.status_code == 403 and "CSRF" in response.content.decode("utf-8", "replace")


# The sweep -------------------------------------------------------------------------------


def test_every_url_refuses_a_post_without_a_token_but_the_two_exempt_views(world, extra):
    accepted, refused = set(), set()
    clients = [strict_client(None), strict_client(world.owner)]
    for name, route in ROUTES.items():
        for client in clients:
            response = client.post(route.url(world, extra), route.data, **route.headers)
            (refused if refused_for_csrf(response) else accepted).add(name)
    for label, page_type in PAGE_TYPES.items():
        for client in clients:
            response = client.post(page_type.page(world).url, {"name": "x"})
            (refused if refused_for_csrf(response) else accepted).add(label)

    assert accepted == EXEMPT
    assert len(refused) == len(ROUTES) + len(PAGE_TYPES) - len(EXEMPT)


def test_every_admin_url_refuses_a_post_without_a_token(world):
    client = strict_client(world.staff)
    accepted = []
    for route, name, _ in url_patterns():
        if is_admin(route):
            response = client.post(sample_path(route), {"pk": "1"})
            if not refused_for_csrf(response):
                accepted.append(f"{name or route}: {response.status_code}")
    assert accepted == []


# Each form, without and with its token ------------------------------------------------------


@dataclass
class Form:
    """A form: who fills it in, where it posts, what it sends and what it changes."""

    who: str | None  # an attribute of the world, or None for an anonymous visitor
    url: Callable
    data: Callable
    state: Callable  # world, extra -> what a successful post changes
    # Steps before the form (e.g. asking for a code), done properly, with the token.
    before: Callable | None = None


def _login_code_step(client, token, world, extra):
    client.post(
        reverse("account_login"), {"login": world.owner.email, "csrfmiddlewaretoken": token}
    )


def _signup_code_step(client, token, world, extra):
    email = f"csrf-{len(extra['mailoutbox'])}@example.com"
    extra["signup_email"] = email
    client.post(reverse("account_signup"), {"email": email, "csrfmiddlewaretoken": token})


def _last_code(world, extra) -> dict:
    return {"code": CODE.search(extra["mailoutbox"][-1].body).group(0)}


def _signed_in_as(extra):
    return extra["client"].session.get("_auth_user_id")


def _entry_status(entry_key):
    return lambda w, x: WaitListEntry.objects.get(pk=x[entry_key].pk).status


def _token(entry, purpose) -> str:
    return tokens.make_token(entry, purpose)


def _invitation(x):
    return tokens.make_token(x["invitee"], tokens.INVITATION)


FORMS: dict[str, Form] = {
    "sign-up": Form(
        None,
        lambda w, x: reverse("account_signup"),
        lambda w, x: {"email": "brand.new@example.com"},
        lambda w, x: User.objects.filter(email="brand.new@example.com").exists(),
    ),
    "sign-in (code request)": Form(
        None,
        lambda w, x: reverse("account_login"),
        lambda w, x: {"login": w.owner.email},
        lambda w, x: len(x["mailoutbox"]),
    ),
    "request a sign-in code": Form(
        None,
        lambda w, x: reverse("account_request_login_code"),
        lambda w, x: {"email": w.owner.email},
        lambda w, x: len(x["mailoutbox"]),
    ),
    "enter the sign-in code": Form(
        None,
        lambda w, x: reverse("account_confirm_login_code"),
        _last_code,
        lambda w, x: _signed_in_as(x),
        before=_login_code_step,
    ),
    "enter the sign-up code": Form(
        None,
        lambda w, x: reverse("account_confirm_login_code"),
        _last_code,
        lambda w, x: EmailAddress.objects.filter(email=x["signup_email"], verified=True).exists(),
        before=_signup_code_step,
    ),
    "password reset": Form(
        None,
        lambda w, x: reverse("account_reset_password"),
        lambda w, x: {"email": w.owner.email},
        lambda w, x: len(x["mailoutbox"]),
    ),
    "sign out": Form(
        "owner",
        lambda w, x: reverse("account_logout"),
        lambda w, x: {},
        lambda w, x: _signed_in_as(x),
    ),
    "add an email address": Form(
        "owner",
        lambda w, x: reverse("account_email"),
        lambda w, x: {"action_add": "", "email": "second.address@example.com"},
        # A code goes to the new address; it is added once the code is entered.
        lambda w, x: [m.to for m in x["mailoutbox"]],
    ),
    "change password": Form(
        "changer",
        lambda w, x: reverse("account_change_password"),
        lambda w, x: {
            "oldpassword": PASSWORD,
            "password1": "an entirely new passphrase 7",
            "password2": "an entirely new passphrase 7",
        },
        lambda w, x: User.objects.get(pk=x["changer"].pk).password,
    ),
    "set a password": Form(
        "passwordless",
        lambda w, x: reverse("account_set_password"),
        lambda w, x: {"password1": "a first passphrase 99", "password2": "a first passphrase 99"},
        lambda w, x: User.objects.get(pk=x["passwordless"].pk).has_usable_password(),
    ),
    "email preferences": Form(
        "owner",
        lambda w, x: reverse("accounts:account"),
        lambda w, x: {"marketing": "on", "course_reminders": "on"},
        lambda w, x: User.objects.get(pk=w.owner.pk).marketing_consent_at,
    ),
    "delete my account": Form(
        "doomed",
        lambda w, x: reverse("accounts:delete"),
        lambda w, x: {"confirm": "DELETE"},
        lambda w, x: User.objects.filter(pk=x["doomed"].pk).exists(),
    ),
    "start the course": Form(
        "other",
        lambda w, x: reverse("course:start", args=[w.course.pk]),
        lambda w, x: {},
        lambda w, x: Enrolment.objects.filter(user=w.other).count(),
    ),
    "mark complete": Form(
        "owner",
        lambda w, x: reverse("course:lesson-progress", args=[w.lessons[0].pk]),
        lambda w, x: {"action": "uncomplete"},
        lambda w, x: LessonProgress.objects.get(user=w.owner, lesson=w.lessons[0]).completed_at,
    ),
    "reflection": Form(
        "owner",
        lambda w, x: reverse("course:reflection", args=[w.lessons[1].pk, w.reflection_block_id]),
        lambda w, x: {"answer": "Changed by a forged post?"},
        lambda w, x: Reflection.objects.get(user=w.owner, lesson=w.lessons[1]).answer,
    ),
    "name on the certificate": Form(
        "owner",
        lambda w, x: reverse("course:completed", args=[w.course.pk]),
        lambda w, x: {"first_name": "Forged", "last_name": "Name"},
        lambda w, x: User.objects.get(pk=w.owner.pk).first_name,
    ),
    "take a break from reminders": Form(
        "owner",
        lambda w, x: reverse("course:nudges-break", args=[w.course.pk]),
        lambda w, x: {},
        lambda w, x: Enrolment.objects.get(user=w.owner).nudges_paused_until,
    ),
    "join the wait list": Form(
        None,
        lambda w, x: w.waitlist_page.url,
        lambda w, x: {
            "name": "Ada",
            "email": "ada.csrf@example.com",
            "job_search_stage": "applying",
            "goals": "A plan.",
        },
        lambda w, x: WaitListEntry.objects.filter(email="ada.csrf@example.com").exists(),
    ),
    "confirm my place": Form(
        None,
        lambda w, x: reverse(
            "coaching:confirm", args=[tokens.make_token(x["joiner"], tokens.CONFIRM)]
        ),
        lambda w, x: {},
        _entry_status("joiner"),
    ),
    "wait-list answers": Form(
        None,
        lambda w, x: reverse("coaching:status", args=[tokens.make_token(w.entry, tokens.STATUS)]),
        lambda w, x: {"name": "Forged", "job_search_stage": "applying", "goals": "Forged."},
        lambda w, x: WaitListEntry.objects.get(pk=w.entry.pk).name,
    ),
    "leave the wait list": Form(
        None,
        lambda w, x: reverse(
            "coaching:leave", args=[tokens.make_token(x["leaver"], tokens.STATUS)]
        ),
        lambda w, x: {},
        _entry_status("leaver"),
    ),
    "join the list again": Form(
        None,
        lambda w, x: reverse("coaching:rejoin", args=[tokens.make_token(x["left"], tokens.STATUS)]),
        lambda w, x: {},
        _entry_status("left"),
    ),
    "no thanks (decline the invitation)": Form(
        None,
        lambda w, x: reverse("coaching:invitation", args=[_invitation(x)]),
        lambda w, x: {"action": "decline"},
        _entry_status("invitee"),
    ),
    "choose a package (checkout)": Form(
        None,
        lambda w, x: reverse(
            "coaching:checkout", args=[tokens.make_token(w.invited, tokens.INVITATION)]
        ),
        lambda w, x: {"package": w.package.pk},
        lambda w, x: Payment.objects.count(),
    ),
    "private page sign-in": Form(
        None,
        lambda w, x: reverse("wagtailcore_login"),
        lambda w, x: {"username": w.owner.email, "password": PASSWORD},
        lambda w, x: _signed_in_as(x),
    ),
    "page password": Form(
        None,
        lambda w, x: reverse(
            "wagtailcore_authenticate_with_password",
            args=[x["page_restriction"].pk, x["page_restriction"].page_id],
        ),
        lambda w, x: {"password": RESTRICTION_PASSWORD, "return_url": "/"},
        lambda w, x: sorted(x["client"].session.items()),
    ),
    "document password": Form(
        None,
        lambda w, x: reverse(
            "wagtaildocs_authenticate_with_password", args=[x["collection_restriction"].pk]
        ),
        lambda w, x: {"password": RESTRICTION_PASSWORD, "return_url": "/"},
        lambda w, x: sorted(x["client"].session.items()),
    ),
    "admin sign-in": Form(
        None,
        lambda w, x: reverse("wagtailadmin_login"),
        lambda w, x: {"username": w.staff.email, "password": PASSWORD},
        lambda w, x: _signed_in_as(x),
    ),
    "admin: invite the next people": Form(
        "staff",
        lambda w, x: reverse("coaching_waitlist:invite"),
        lambda w, x: {"count": 1, "seen_version": coaching_services.waitlist_queue_version()},
        lambda w, x: WaitListEntry.objects.filter(status="invited").count(),
    ),
    "admin: change a status": Form(
        "staff",
        lambda w, x: reverse("coaching_waitlist:status", args=[x["left"].pk]),
        lambda w, x: {"to": "withdrawn"},
        _entry_status("left"),
    ),
}


@pytest.fixture
def people(world, extra, mailoutbox, stripe_server):
    """Everyone the forms need, each in the state their form changes."""
    left = WaitListEntryFactory(waiting=True, email="left@example.com")
    coaching_services.waitlist_withdraw(entry=left)
    Payment.objects.filter(pk=world.payment.pk).delete()  # made up; checkout makes a real one
    passwordless = UserFactory(email="passwordless@example.com")
    passwordless.set_unusable_password()
    passwordless.save()
    EmailAddress.objects.create(user=passwordless, email=passwordless.email, verified=True)
    return {
        **extra,
        "mailoutbox": mailoutbox,
        "doomed": verified_user("doomed@example.com"),
        "changer": verified_user("changer@example.com"),
        "passwordless": passwordless,
        "joiner": WaitListEntryFactory(email="joiner@example.com"),
        "leaver": WaitListEntryFactory(waiting=True, email="leaver@example.com"),
        "left": left,
        "invitee": coaching_services.waitlist_invite(
            entry=WaitListEntryFactory(waiting=True, email="invitee@example.com")
        ),
    }


def test_the_form_table_covers_every_form_on_the_site():
    """Each view that takes a POST (less the exempt two) has a form here, or says why not."""
    covered_elsewhere = {
        # Forms whose positive case needs more than a token (a recent sign-in, an emailed
        # key); the sweep above shows they refuse a post without a token.
        "account_reauthenticate",
        "account_reset_password_from_key",
        # A course's "Buy" opens a Checkout: tests/coaching/test_course_payments.py posts it
        # against the suite's Stripe server.
        "coaching:course-checkout",
        "wagtaildocs_serve",  # the document password form posts to its own view (below)
        # A code from an authenticator app: tests/security/test_admin_lockout.py posts them.
        "second-factor", "second-factor-setup", "mfa_authenticate", "mfa_reauthenticate",
        "mfa_index", "mfa_activate_totp", "mfa_deactivate_totp", "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes", "mfa_download_recovery_codes",
    }  # fmt: skip
    form_views = {
        "account_signup", "account_login", "account_request_login_code",
        "account_confirm_login_code", "account_email_verification_sent",
        "account_reset_password", "account_logout", "account_email", "account_change_password",
        "account_set_password", "accounts:account", "accounts:delete", "course:start",
        "course:lesson-progress", "course:reflection", "course:completed", "course:nudges-break",
        "coaching:confirm", "coaching:status", "coaching:leave", "coaching:rejoin",
        "coaching:invitation", "coaching:checkout", "wagtailcore_login",
        "wagtailcore_authenticate_with_password", "wagtaildocs_authenticate_with_password",
    }  # fmt: skip
    assert len(FORMS) >= len(form_views)
    takes_no_post = {
        "account_inactive", "account_reset_password_done", "account_reset_password_from_key_done",
        "accounts:dashboard", "accounts:export", "course:notes", "course:certificate",
        "coaching:payment-success", "sitemap", "article-feed", "wagtail_serve",
        "robots-txt", "accounts:deleted", "coaching:course-payment-success", "media-rendition",
    }  # fmt: skip
    unaccounted = set(ROUTES) - form_views - covered_elsewhere - takes_no_post - EXEMPT
    assert unaccounted == set(), f"new views: add their forms to FORMS: {sorted(unaccounted)}"


def test_each_form_needs_its_token_and_works_with_it(world, people):
    problems = []
    for name, form in FORMS.items():
        cache.clear()  # the sign-in code limits: several forms here ask for a code
        problems += _problems_with(name, form, world, people)
    assert problems == [], "\n".join(problems)


def _problems_with(name, form, world, people) -> list[str]:
    user = people.get(form.who) or getattr(world, form.who or "", None)
    client = strict_client(user)
    people["client"] = client
    token = csrf_token(client)
    if form.before:
        form.before(client, token, world, people)
    url, data = form.url(world, people), form.data(world, people)
    before = form.state(world, people)

    forged = client.post(url, data)

    if not refused_for_csrf(forged):
        return [f"{name}: {forged.status_code} without a token"]
    if form.state(world, people) != before:
        return [f"{name}: changed without a token"]

    genuine = client.post(url, {**data, "csrfmiddlewaretoken": token})

    if genuine.status_code not in (200, 302) or form.state(world, people) == before:
        return [f"{name}: the genuine post ({genuine.status_code}) changed nothing"]
    return []
