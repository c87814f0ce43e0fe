"""Courses: an overview page whose child pages are its lessons, in order."""

import uuid
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import Page
from wagtail.search import index

from coachhouse import content_version
from coachhouse.pages import PrivacyMixin, site_for
from coachhouse.sanitise import SanitisedRichTextField
from course.panels import DripSchedulePanel

REFLECTION_MAX_LENGTH = 5000


# What outlines, progress, reminders and search engines read of each lesson: the rest (its
# body above all) stays in the database. Reading a field not listed costs a query per lesson,
# which tests/coachhouse/test_page_queries.py would see as counts growing with the lessons.
OUTLINE_FIELDS = (
    "title",
    "slug",
    "url_path",
    "path",
    "depth",
    "live",
    "summary",
    "duration_minutes",
    "free_preview",
    "available_after_days",
)


# What a course's price may be in: the currencies Checkout is set up for, as Stripe spells them
# lower-cased. The symbols show the price on the site.
COURSE_CURRENCIES = [("GBP", "£ GBP"), ("EUR", "€ EUR"), ("USD", "$ USD")]
CURRENCY_SYMBOLS = {"gbp": "£", "eur": "€", "usd": "$"}


def format_money(minor: int, currency: str) -> str:
    """ "£450.00" from 45000 and "gbp" (or "GBP"): every price and payment the site shows."""
    code = currency.lower()
    symbol = CURRENCY_SYMBOLS.get(code, code.upper() + " ")
    return f"{symbol}{minor / 100:,.2f}"


class CoursePage(PrivacyMixin, Page):
    """A course: its promise, who it is for, and its lessons as child pages."""

    cache_for_anonymous = True

    outcome = models.TextField(
        "promise", max_length=400, help_text="What the learner will have at the end."
    )
    audience = models.TextField("who it is for", max_length=600)
    intro = SanitisedRichTextField(features=["bold", "italic", "ol", "ul", "link"], blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="0 makes the course free.",
    )
    currency = models.CharField(max_length=3, default="GBP", choices=COURSE_CURRENCIES)
    allow_promotion_codes = models.BooleanField(
        "take promotion codes",
        default=False,
        help_text="Stripe's payment page offers a box for a promotion code you made in Stripe.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("outcome"),
        FieldPanel("audience"),
        FieldPanel("intro"),
        FieldPanel("image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("price"), FieldPanel("currency")]),
                FieldPanel("allow_promotion_codes"),
            ],
            heading="Price",
        ),
        DripSchedulePanel(heading="Drip schedule"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("outcome"),
        index.SearchField("audience"),
        index.SearchField("intro"),
    ]

    parent_page_types = ["coachhouse.HomePage"]
    subpage_types = ["lessons.LessonPage"]
    # The admin lists a course's lessons in course order, not by when they were last edited.
    admin_default_ordering = "ord"

    class Meta:
        verbose_name = "course"

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def price_minor(self) -> int:
        """The price in pence or cents, as Stripe takes it."""
        return int(self.price * 100)

    @property
    def price_display(self) -> str:
        """£49.00"""
        return format_money(self.price_minor, self.currency)

    def lessons(self):
        """The course's published lessons, in the order editors set in the page tree."""
        lesson_model = apps.get_model("lessons", "LessonPage")
        return lesson_model.objects.child_of(self).live().order_by("path")

    @cached_property
    def lesson_list(self) -> list:
        """The lessons for outlines and progress, with only what those show (`OUTLINE_FIELDS`):
        the same for every reader until the next publish, so kept in the cache (each reader
        gets their own copies)."""
        return content_version.shared(
            f"course-lessons:{self.pk}", lambda: list(self.lessons().only(*OUTLINE_FIELDS))
        )

    @cached_property
    def lesson_positions(self) -> dict[int, int]:
        """Each lesson's place in `lesson_list` (from 0), by id."""
        return {lesson.pk: index for index, lesson in enumerate(self.lesson_list)}

    @cached_property
    def total_minutes(self) -> int:
        return sum(lesson.duration_minutes for lesson in self.lesson_list)

    def get_meta_description(self) -> str:
        return self.search_description or self.outcome

    def get_social_image(self):
        """The course's cover, for link previews where the course is shared."""
        return self.image

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["structured_data"] = self.structured_data(request)
        return context

    def structured_data(self, request) -> dict:
        """schema.org `Course` for search engines."""
        site = site_for(request) or self.get_site()
        data = {
            "@context": "https://schema.org",
            "@type": "Course",
            "name": self.title,
            "description": self.get_meta_description(),
            "url": self.get_full_url(request),
            "provider": {
                "@type": "Organization",
                "name": site.site_name or site.hostname,
                "url": site.root_url,
            },
            "isAccessibleForFree": self.is_free,
            "offers": {
                "@type": "Offer",
                "category": "Free" if self.is_free else "Paid",
                "price": f"{self.price:.2f}",
                "priceCurrency": self.currency,
            },
            "hasCourseInstance": {
                "@type": "CourseInstance",
                "courseMode": "Online",
                "courseWorkload": f"PT{self.total_minutes}M",
            },
            "numberOfLessons": len(self.lesson_list),
            "syllabusSections": [
                {
                    "@type": "Syllabus",
                    "name": lesson.title,
                    "description": lesson.summary,
                    "timeRequired": f"PT{lesson.duration_minutes}M",
                }
                for lesson in self.lesson_list
            ],
        }
        if self.image:
            data["image"] = site.root_url + self.image.get_rendition("fill-1200x630").url
        return data


class Enrolment(models.Model):
    """A learner taking a course, and where they came from."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_at = models.DateTimeField(default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    certificate_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Public id of the certificate."
    )
    certificate_searchable = models.BooleanField(
        "search engines may list the certificate",
        default=False,
        help_text="The learner's choice; until they make it, the certificate says noindex.",
    )
    # What the certificate says, recorded when it is issued and never changed after: a lesson
    # the coach adds later is new to the graduate, not missing from their certificate.
    certificate_issued_at = models.DateTimeField(null=True, blank=True)
    certificate_course_title = models.CharField(max_length=255, blank=True)
    certificate_lesson_count = models.PositiveSmallIntegerField(null=True, blank=True)
    source_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The article or page the learner came from.",
    )
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_term = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    nudges_paused_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The learner chose “Take a break”: no reminder emails until then.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="unique_enrolment"),
        ]

    def __str__(self):
        return f"{self.user} in {self.course}"


class PaidAmounts:
    """What a Checkout's record (a course order, a coaching payment) shows of its money; the
    model has `amount_minor`, `amount_refunded_minor`, `amount_tax_minor`, `currency` and a
    `status` whose paid value is "paid"."""

    @property
    def amount_display(self) -> str:
        return self.money(self.amount_minor)

    @property
    def tax_display(self) -> str:
        return self.money(self.amount_tax_minor)

    @property
    def refundable_minor(self) -> int:
        """What may still be refunded: what was paid less what was refunded, while paid."""
        if self.status != "paid":
            return 0
        return max(self.amount_minor - self.amount_refunded_minor, 0)

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency)


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Waiting for payment"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"
    REFUNDED = "refunded", "Refunded"


class CourseOrder(PaidAmounts, models.Model):
    """One Stripe Checkout for a paid course, from creation to payment or refund.

    A paid order is what lets its learner into the course (course/services.py,
    `enrolment_create`); a full refund ends that. The Checkout and its webhook are the coaching
    app's, which talks to Stripe for packages and courses alike (coaching/payments.py).
    """

    Status = OrderStatus

    # An order paid for outlives its buyer's account, without them (course.services,
    # `orders_erase_person`): a sale's record is kept for the tax years.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="course_orders",
    )
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="orders")
    amount_minor = models.PositiveIntegerField("amount in pence or cents")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    stripe_session_id = models.CharField(max_length=255, unique=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    amount_refunded_minor = models.PositiveIntegerField(
        "refunded in pence or cents", default=0, help_text="What Stripe has refunded so far."
    )
    amount_tax_minor = models.PositiveIntegerField(
        "tax in pence or cents", default=0, help_text="The tax included in the amount paid."
    )
    invoice_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("refund_courseorder", "Can refund course orders through Stripe")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values), name="course_order_status_valid"
            ),
            # A course is paid for once: a second paid Checkout (two tabs, paid within seconds)
            # is refused by the database, whatever the code checked.
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=models.Q(status="paid"),
                name="one_paid_order_per_learner_and_course",
            ),
        ]

    def __str__(self):
        buyer = self.user or "Deleted account"
        return f"{buyer} for {self.course} ({self.get_status_display()})"


def validate_nudge_days(value: str) -> None:
    try:
        days = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ValidationError(
            "Write whole numbers of days separated by commas, like 3,7,14."
        ) from None
    if not days:
        raise ValidationError("Give at least one number of days, like 3,7,14.")
    if any(day < 1 or day > 365 for day in days):
        raise ValidationError("Each number of days must be between 1 and 365.")
    if len(set(days)) != len(days):
        raise ValidationError("Each number of days may appear once.")


def parse_nudge_days(value: str) -> list[int]:
    """The configured steps as sorted whole days; anything unreadable is left out."""
    days = {int(part) for part in value.split(",") if part.strip().isdigit()}
    return sorted(day for day in days if 1 <= day <= 365)


@register_setting(icon="mail")
class NudgeSettings(BaseGenericSetting):
    """When learners who stall get a reminder email (one per step, each at most once)."""

    enabled = models.BooleanField(
        "send reminders",
        default=True,
        help_text="Untick to stop every course reminder email at once.",
    )
    days = models.CharField(
        "days without progress",
        max_length=100,
        default="3,7,14",
        validators=[validate_nudge_days],
        help_text=(
            "A learner who has made no progress for this many days gets a reminder, once for "
            "each number, e.g. 3,7,14."
        ),
    )

    panels = [FieldPanel("enabled"), FieldPanel("days")]

    class Meta:
        verbose_name = "course reminders"

    @property
    def steps(self) -> list[int]:
        return parse_nudge_days(self.days)


class Nudge(models.Model):
    """A reminder step for one enrolment: sent once, or passed over for a later step."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="nudges")
    step = models.PositiveSmallIntegerField(help_text="Days without progress this step is for.")
    sent_at = models.DateTimeField(default=timezone.now)
    skipped = models.BooleanField(
        default=False,
        help_text="Not emailed: a later step was already due when this one was reached.",
    )
    lesson = models.ForeignKey(
        "lessons.LessonPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The lesson the email invited the learner to continue with.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "step"], name="unique_nudge_step"),
        ]

    def __str__(self):
        return f"Day {self.step} reminder for {self.enrolment}"


class LessonProgress(models.Model):
    """One learner's visits to, and completion of, one lesson."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(
        "lessons.LessonPage", on_delete=models.CASCADE, related_name="progress"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    last_visited_at = models.DateTimeField(default=timezone.now)
    # A database default too: Mark complete's upsert is written out in SQL (course/services.py).
    has_reflections = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The learner has answered a reflection prompt in this lesson.",
    )

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="unique_lesson_progress"),
        ]

    def __str__(self):
        return f"{self.user} on {self.lesson}"


class Reflection(models.Model):
    """A learner's private answer to one reflection prompt in a lesson."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections"
    )
    lesson = models.ForeignKey(
        "lessons.LessonPage", on_delete=models.CASCADE, related_name="reflections"
    )
    block_id = models.CharField(max_length=64, help_text="The reflection block's StreamField id.")
    prompt = models.TextField(help_text="The question as it read when the learner answered.")
    answer = models.TextField(max_length=REFLECTION_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "block_id"], name="unique_reflection_answer"
            ),
        ]

    def __str__(self):
        return f"{self.user} on {self.lesson}"
