"""Reads about payments: totals and this month's revenue, in aggregate queries."""

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from coaching.models import Payment
from course.models import format_money


def payments_totals(payments: QuerySet[Payment]) -> list[dict]:
    """Paid payments in `payments`, counted and summed per currency."""
    rows = (
        payments.filter(status=Payment.Status.PAID)
        .order_by()
        .values("currency")
        .annotate(count=Count("pk"), total=Sum("amount_minor"))
        .order_by("currency")
    )
    return [
        {
            "currency": row["currency"],
            "count": row["count"],
            "total": format_money(row["total"], row["currency"]),
        }
        for row in rows
    ]


def revenue_this_month() -> dict:
    """Bookings paid since the first of this month, and their total per currency."""
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    paid = Payment.objects.filter(paid_at__gte=start)
    return {"start": start, "totals": payments_totals(paid)}
