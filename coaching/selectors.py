"""Reads about the wait list: the queue, a person's position, counts by status."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import normalise_email
from coaching.models import CoachingSettings, WaitListEntry
from course.models import Enrolment

Status = WaitListEntry.Status


def waiting_queue(*, prioritise_graduates: bool | None = None) -> QuerySet[WaitListEntry]:
    """Waiting people in the order they will be invited."""
    if prioritise_graduates is None:
        prioritise_graduates = coaching_settings().prioritise_course_graduates
    queue = WaitListEntry.objects.filter(status=Status.WAITING)
    if prioritise_graduates:
        graduated = Enrolment.objects.filter(
            user_id=OuterRef("user_id"), completed_at__isnull=False
        )
        return queue.annotate(graduated=Exists(graduated)).order_by(
            "-graduated", "confirmed_at", "pk"
        )
    return queue.order_by("confirmed_at", "pk")


def entry_position(entry: WaitListEntry) -> int | None:
    """1 for the next person to be invited; None for anyone not waiting."""
    if entry.status != Status.WAITING:
        return None
    ids = list(waiting_queue().values_list("pk", flat=True))
    return ids.index(entry.pk) + 1 if entry.pk in ids else None


def entry_for_learner(user) -> WaitListEntry | None:
    """The signed-in person's own place on the list, while they hold one: the entry linked to
    their account (it stays theirs when they change their address) or made with their address."""
    if not user.is_authenticated:
        return None
    return (
        WaitListEntry.objects.filter(
            Q(user=user) | Q(email=normalise_email(user.email)),
            status__in=[Status.UNCONFIRMED, Status.WAITING, Status.INVITED, Status.BOOKED],
        )
        .order_by("pk")
        .first()
    )


def status_counts() -> dict[str, int]:
    """How many entries are in each status, every status present (zero if none)."""
    counts = dict(WaitListEntry.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {value: counts.get(value, 0) for value in Status.values}


def coaching_settings() -> CoachingSettings:
    return CoachingSettings.load()
