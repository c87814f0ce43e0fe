"""Learners for the cluster's load test, enrolled in the demo course and signed in.

Run by tests/cluster/harness.py (`Cluster.seed_learners`) in the cluster's own environment, so
that sessions are made with its settings, as `django.contrib.auth.login` makes them:

    python tests/cluster/seed_learners.py TAG COUNT

It prints one JSON line per learner: their email address, and their session cookie's name and
value. Rows are inserted in bulk, so no welcome email is queued: the emails counted during the
load are the load's own.
"""

import json
import os
import sys
from importlib import import_module


def seed(tag: str, count: int) -> list[dict]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import transaction

    from accounts.models import User
    from course.models import CoursePage, Enrolment

    course = CoursePage.objects.live().get()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(email=f"learner{n}-{tag}@learners.cluster.test", first_name=f"Learner {n}")
            for n in range(count)
        )
        for user in users:
            user.set_unusable_password()  # they sign in by emailed code, as every learner
        User.objects.bulk_update(users, ["password"])
        Enrolment.objects.bulk_create(Enrolment(user=user, course=course) for user in users)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    learners = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        learners.append(
            {
                "email": user.email,
                "cookie": settings.SESSION_COOKIE_NAME,
                "session_key": session.session_key,
            }
        )
    return learners


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachhouse.settings.production")
    import django

    django.setup()
    for learner in seed(sys.argv[1], int(sys.argv[2])):
        sys.stdout.write(json.dumps(learner) + "\n")
