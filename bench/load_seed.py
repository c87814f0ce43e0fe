"""Seeds one load-test run and writes its plan (URLs, sessions, payments) as JSON.

Run by bench/loadtest.py in the site's own environment (production settings):

    python bench/load_seed.py TAG PLAN.json [--learners N] [--payments N]

It adds, with addresses that carry TAG so that runs never mix:

- learners enrolled a month ago in the demo course (so drip has opened every lesson), each
  with a signed-in session made the way `django.contrib.auth.login` makes one;
- invited wait-list entries, each with a pending Payment for a Checkout Session
  `cs_load_<TAG>_<n>`, for the Stripe webhook deliveries to complete.

Everything is inserted with bulk_create: no welcome or invitation email is queued, so the
emails counted afterwards are only the ones the load itself caused.
"""

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

LEARNER_DOMAIN = "learners.load.test"
PAYER_DOMAIN = "invited.load.test"


def seed(tag: str, *, learners: int, payments: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from coachhouse.models import ArticlePage, HomePage
    from coaching.models import CoachingPackage, Payment, WaitListEntry, WaitListPage
    from course.models import CoursePage, Enrolment
    from lessons.models import LessonPage

    now = timezone.now()
    course = CoursePage.objects.live().first()
    lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
    package = CoachingPackage.objects.filter(active=True).first()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                email=f"{tag}-learner{n}@{LEARNER_DOMAIN}",
                first_name="Load",
                last_name=f"Learner {n}",
                password="!",  # noqa: S106 (an unusable password: they sign in by session)
                date_joined=now - timedelta(days=31),
            )
            for n in range(learners)
        )
        Enrolment.objects.bulk_create(
            Enrolment(user=user, course=course, enrolled_at=now - timedelta(days=30))
            for user in users
        )
        entries = WaitListEntry.objects.bulk_create(
            WaitListEntry(
                name=f"Load payer {n}",
                email=f"{tag}-payer{n}@{PAYER_DOMAIN}",
                job_search_stage=WaitListEntry.Stage.APPLYING,
                goals="A plan for my next role.",
                status=WaitListEntry.Status.INVITED,
                confirmed_at=now - timedelta(days=3),
                invited_at=now - timedelta(hours=1),
                invitation_expires_at=now + timedelta(days=7),
                status_changed_at=now - timedelta(hours=1),
            )
            for n in range(payments)
        )
        Payment.objects.bulk_create(
            Payment(
                entry=entry,
                package=package,
                amount_minor=package.price_minor,
                currency=package.currency,
                stripe_session_id=f"cs_load_{tag}_{n}",
            )
            for n, entry in enumerate(entries)
        )
    sessions = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append({"email": user.email, "session_key": session.session_key})
    return {
        "tag": tag,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "home_url": HomePage.objects.live().first().url,
        "article_urls": [page.url for page in ArticlePage.objects.live().order_by("path")],
        "course_url": course.url,
        "waitlist_url": WaitListPage.objects.live().first().url,
        "lessons": [
            {"id": lesson.pk, "url": lesson.url, "free_preview": lesson.free_preview}
            for lesson in lessons
        ],
        "learners": sessions,
        "payments": [
            {
                "session_id": f"cs_load_{tag}_{n}",
                "entry_id": entry.pk,
                "email": entry.email,
                "amount": package.price_minor,
                "currency": package.currency,
                "package_id": package.pk,
            }
            for n, entry in enumerate(entries)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("plan", type=Path)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--payments", type=int, default=400)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachhouse.settings.production")
    import django

    django.setup()
    plan = seed(args.tag, learners=args.learners, payments=args.payments)
    args.plan.write_text(json.dumps(plan, indent=1))
    print(
        f"Seeded {args.tag}: {len(plan['learners'])} signed-in learners, "
        f"{len(plan['payments'])} invited entries with pending payments."
    )


if __name__ == "__main__":
    main()
