"""The coaching wait list: the page people join from, their entries, and its settings."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import Page

from accounts.models import normalise_email
from coachhouse.pages import PrivacyMixin
from coachhouse.sanitise import SanitisedRichTextField
from course.models import PaidAmounts, format_money

NAME_MAX_LENGTH = 120
GOALS_MAX_LENGTH = 1000


# The choices live at module level, so each model's Meta can name them in a CheckConstraint;
# the models keep them under their usual names (WaitListEntry.Status, Payment.Status, ...).


class ExpiredInvitationPolicy(models.TextChoices):
    REQUEUE = "requeue", "Put the person back in their place on the list"
    MOVE_ON = "move_on", "Mark the invitation expired and invite the next person"


class EntryStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    WAITING = "waiting", "Waiting"
    INVITED = "invited", "Invited"
    BOOKED = "booked", "Booked"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REFUNDED = "refunded", "Refunded"


class JobSearchStage(models.TextChoices):
    EXPLORING = "exploring", "Exploring what I want next"
    APPLYING = "applying", "Actively applying"
    INTERVIEWING = "interviewing", "Interviewing"
    EMPLOYED = "employed", "Employed, ready to move"
    RETURNING = "returning", "Returning to work after a break"


class Currency(models.TextChoices):
    GBP = "gbp", "£ GBP"
    EUR = "eur", "€ EUR"
    USD = "usd", "$ USD"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Waiting for payment"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"
    REFUNDED = "refunded", "Refunded"


class WaitListPage(PrivacyMixin, Page):
    """The public page with the wait-list form; editors write the words around it."""

    intro = SanitisedRichTextField(features=["bold", "italic", "ol", "ul", "link"])
    form_heading = models.CharField(max_length=120, default="Join the wait list")
    privacy_note = models.TextField(
        max_length=400,
        blank=True,
        default="I only use your details to manage the wait list. You can leave at any time.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("form_heading"),
        FieldPanel("privacy_note"),
    ]

    parent_page_types = ["coachhouse.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = "coaching wait list page"

    def get_meta_description(self) -> str:
        return self.search_description or "Join the wait list for 1:1 career coaching."

    def get_social_image(self):
        return None

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["joined"] = request.GET.get("joined") == "1"
        return context

    def serve(self, request, *args, **kwargs):
        """Shows the form (`{% waitlist_join_form %}`). Submissions are taken by
        `coaching.views.waitlist_join`, which coaching/wagtail_hooks.py routes them to, so
        that models never import views."""
        response = super().serve(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"  # the form carries a CSRF token
        return response


@register_setting(icon="group")
class CoachingSettings(BaseGenericSetting):
    """How the wait list orders people and how long invitations last."""

    ExpiredInvitationPolicy = ExpiredInvitationPolicy

    prioritise_course_graduates = models.BooleanField(
        "priority for course graduates",
        default=False,
        help_text="People who completed a free course go ahead of those who did not.",
    )
    invitation_valid_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    expired_invitation_policy = models.CharField(
        max_length=20,
        choices=ExpiredInvitationPolicy.choices,
        default=ExpiredInvitationPolicy.REQUEUE,
    )

    panels = [
        FieldPanel("prioritise_course_graduates"),
        MultiFieldPanel(
            [FieldPanel("invitation_valid_days"), FieldPanel("expired_invitation_policy")],
            heading="Invitations",
        ),
    ]

    class Meta:
        verbose_name = "coaching wait list"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expired_invitation_policy__in=ExpiredInvitationPolicy.values),
                name="coachingsettings_policy_valid",
            ),
        ]


@register_setting(icon="form")
class PaymentSettings(BaseGenericSetting):
    """Tax and invoices at Stripe Checkout, for coaching packages and courses alike."""

    stripe_tax = models.BooleanField(
        "charge tax with Stripe Tax",
        default=False,
        help_text=(
            "Checkout asks for the buyer's address (and a business's tax id) and Stripe works "
            "out the VAT or sales tax, included in your prices. Turn it on once Stripe Tax is "
            "set up in Stripe's dashboard with your tax registrations."
        ),
    )
    create_invoices = models.BooleanField(
        "send an invoice with each payment",
        default=False,
        help_text="Stripe makes a paid invoice for each Checkout; the receipt links to it.",
    )

    panels = [FieldPanel("stripe_tax"), FieldPanel("create_invoices")]

    class Meta:
        verbose_name = "payments"


class WaitListEntry(models.Model):
    """One person on the wait list, from joining to booking."""

    Status = EntryStatus
    Stage = JobSearchStage

    name = models.CharField(max_length=NAME_MAX_LENGTH)
    email = models.EmailField(unique=True, help_text="Stored trimmed and lower-case.")
    # What the personal links name: random, so a link tells nothing of the entry's row id,
    # its neighbours or when it was made (coaching/tokens.py).
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job_search_stage = models.CharField(
        "where they are in their job search", max_length=20, choices=Stage.choices
    )
    goals = models.TextField("what they want from coaching", max_length=GOALS_MAX_LENGTH)
    share_reflections = models.BooleanField("shares course reflections", default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waitlist_entries",
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.UNCONFIRMED, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    invitation_expires_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "wait-list entry"
        verbose_name_plural = "wait list"
        ordering = ["confirmed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=EntryStatus.values), name="waitlistentry_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(job_search_stage__in=JobSearchStage.values),
                name="waitlistentry_stage_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)


class WaitListEvent(models.Model):
    """A status change of an entry: when, from what, to what, and who made it."""

    entry = models.ForeignKey(WaitListEntry, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_status__in=EntryStatus.values),
                name="waitlistevent_to_status_valid",
            ),
            models.CheckConstraint(
                # Empty for the event that created the entry.
                condition=models.Q(from_status__in=["", *EntryStatus.values]),
                name="waitlistevent_from_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.entry}: {self.from_status or 'new'} → {self.to_status}"


class CoachingPackage(models.Model):
    """A coaching package people can buy once invited; prices go to Stripe as they are here."""

    Currency = Currency

    name = models.CharField(max_length=80)
    description = models.TextField(max_length=600)
    sessions = models.PositiveSmallIntegerField(
        "number of sessions", validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    price_minor = models.PositiveIntegerField(
        "price in pence or cents",
        validators=[MinValueValidator(100), MaxValueValidator(10_000_000)],
        help_text="For £450.00 enter 45000.",
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.GBP)
    active = models.BooleanField(default=True, help_text="Only active packages are offered.")
    allow_promotion_codes = models.BooleanField(
        "take promotion codes",
        default=False,
        help_text="Stripe's payment page offers a box for a promotion code you made in Stripe.",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("sessions"),
        FieldPanel("price_minor"),
        FieldPanel("currency"),
        FieldPanel("allow_promotion_codes"),
        FieldPanel("active"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        ordering = ["sort_order", "price_minor", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency__in=Currency.values),
                name="coachingpackage_currency_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.price_display})"

    @property
    def price_display(self) -> str:
        return format_money(self.price_minor, self.currency)


class Payment(PaidAmounts, models.Model):
    """One Stripe Checkout for a coaching package, from creation to payment or refund."""

    Status = PaymentStatus

    entry = models.ForeignKey(WaitListEntry, on_delete=models.PROTECT, related_name="payments")
    package = models.ForeignKey(CoachingPackage, on_delete=models.PROTECT, related_name="+")
    amount_minor = models.PositiveIntegerField("amount in pence or cents")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    stripe_session_id = models.CharField(max_length=255, unique=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)
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
        permissions = [("refund_payment", "Can refund payments through Stripe")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=PaymentStatus.values), name="payment_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(currency__in=Currency.values),
                name="payment_currency_valid",
            ),
            # One booking is paid for once: a second paid Checkout of the same entry (two tabs,
            # paid within seconds) is refused by the database, whatever the code checked.
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(status="paid"),
                name="one_paid_payment_per_entry",
            ),
        ]

    def __str__(self):
        return f"{self.entry.name}: {self.package.name} ({self.get_status_display()})"


class StripeEvent(models.Model):
    """Each Stripe webhook event is handled once: its id is unique."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(
        max_length=255, blank=True, db_index=True, help_text="The session or payment intent."
    )
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    refunded_in_full = models.BooleanField(
        null=True, blank=True, help_text="For refunds: whether the whole amount was refunded."
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"
