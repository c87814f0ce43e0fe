"""The coach's wait-list tools in the Wagtail admin: inspect, change status, invite the next N;
and refunds of packages and courses."""

from decimal import ROUND_HALF_UP, Decimal

import stripe
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from coachhouse import stripe_client
from coaching import payment_selectors, payments, selectors, services
from coaching.models import WaitListEntry
from course.models import Reflection

Status = WaitListEntry.Status

# What the coach may do from each status, with the service that does it.
ACTIONS = {
    Status.INVITED: ("Invite now", services.waitlist_invite),
    Status.BOOKED: ("Mark booked", services.waitlist_mark_booked),
    Status.DECLINED: ("Mark declined", services.waitlist_decline),
    Status.WITHDRAWN: ("Remove from the list", services.waitlist_withdraw),
    Status.WAITING: ("Put back on the list (at the end)", services.waitlist_rejoin),
}


def _require(request, permission_policy, action: str) -> None:
    if not permission_policy.user_has_permission(request.user, action):
        raise PermissionDenied


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """For records the system writes (payments, task results): the admin only reads them."""

    def user_has_permission(self, user, action):
        return action not in {"add", "change", "delete"} and super().user_has_permission(
            user, action
        )


class WaitListIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                "Invite the next people",
                url=reverse("coaching_waitlist:invite"),
                icon_name="mail",
            )
        ]


class WaitListInspectView(InspectView):
    template_name = "coaching/admin/entry_inspect.html"

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None else value

    def get_share_reflections_display_value(self):
        return "Yes" if self.object.share_reflections else "No"

    def get_user_display_value(self):
        return self.object.user.email if self.object.user_id else "No account"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.object
        context.update(
            position=selectors.entry_position(entry),
            events=entry.events.select_related("actor"),
            actions=[
                (status, label)
                for status, (label, _) in ACTIONS.items()
                if status in services.TRANSITIONS[entry.status]
                and not (status == Status.WAITING and entry.status == Status.INVITED)
            ],
            status_url=reverse("coaching_waitlist:status", args=[entry.pk]),
            reflections=(
                Reflection.objects.filter(user_id=entry.user_id)
                .select_related("lesson")
                .order_by("lesson__path")
                if entry.share_reflections and entry.user_id
                else []
            ),
        )
        return context


def change_status_view(permission_policy):
    @require_POST
    def view(request, pk):
        _require(request, permission_policy, "change")
        entry = get_object_or_404(WaitListEntry, pk=pk)
        target = request.POST.get("to", "")
        if target not in ACTIONS:
            messages.error(request, "Choose one of the actions offered.")
        else:
            label, service = ACTIONS[target]
            try:
                service(entry=entry, actor=request.user)
            except services.TransitionNotAllowed as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"{entry.name}: {label.lower()}, done.")
        return redirect("coaching_waitlist:inspect", pk)

    return view


class InviteForm(forms.Form):
    seen_version = forms.CharField(widget=forms.HiddenInput, max_length=32)
    count = forms.IntegerField(
        label="How many people?",
        min_value=1,
        max_value=50,
        initial=1,
        help_text="The first people in the queue, in position order, each get an invitation email.",
    )


class InviteNextView(WagtailAdminTemplateMixin, FormView):
    template_name = "coaching/admin/invite_next.html"
    form_class = InviteForm
    page_title = "Invite from the wait list"
    header_icon = "mail"
    permission_policy = None

    def dispatch(self, request, *args, **kwargs):
        _require(request, self.permission_policy, "change")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        # Wagtail's default trail is "Home" alone, which the header shows as the page's title.
        return [
            *self.breadcrumbs_items,
            {"url": reverse("coaching_waitlist:index"), "label": "Wait list"},
            {"url": "", "label": self.page_title},
        ]

    def get_initial(self):
        return {"count": 1, "seen_version": services.waitlist_queue_version()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["queue"] = list(selectors.waiting_queue()[:10])
        context["waiting_count"] = selectors.waiting_queue().count()
        context["index_url"] = reverse("coaching_waitlist:index")
        return context

    def form_valid(self, form):
        try:
            invited = services.waitlist_invite_next(
                count=form.cleaned_data["count"],
                actor=self.request.user,
                seen_version=form.cleaned_data["seen_version"],
            )
        except services.QueueChanged:
            messages.warning(
                self.request,
                "Nobody was invited: the wait list changed while you were looking at it "
                "(perhaps someone else just sent invitations). Here is the list as it is now.",
            )
            return redirect("coaching_waitlist:invite")
        if invited:
            names = ", ".join(entry.name for entry in invited)
            messages.success(self.request, f"Invited {len(invited)}: {names}.")
        else:
            messages.warning(self.request, "Nobody was invited: nobody is waiting right now.")
        return redirect("coaching_waitlist:index")


class RefundForm(forms.Form):
    seen_refunded = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    amount = forms.DecimalField(
        label="Amount to refund",
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text="All that is left, or less for a partial refund (which keeps the place or "
        "the course).",
    )
    reason = forms.ChoiceField(
        choices=list(stripe_client.REFUND_REASONS.items()),
        initial="requested_by_customer",
    )
    note = forms.CharField(
        label="Note for your records",
        required=False,
        max_length=500,
        help_text="Kept with the refund in Stripe.",
    )


class RefundView(WagtailAdminTemplateMixin, FormView):
    """Refund all or part of a paid package (Payment) or course (CourseOrder) through Stripe."""

    template_name = "coaching/admin/refund.html"
    form_class = RefundForm
    header_icon = "undo"
    model = None
    permission = ""  # "app_label.codename"
    index_url_name = ""
    index_label = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        self.record = get_object_or_404(self.model, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    @property
    def page_title(self):
        return f"Refund {self.record}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": self.index_label},
            {"url": "", "label": "Refund"},
        ]

    def get_initial(self):
        left = self.record.refundable_minor
        return {
            "seen_refunded": self.record.amount_refunded_minor,
            "amount": Decimal(left).scaleb(-2),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.record
        context.update(
            record=record,
            paid=record.money(record.amount_minor),
            refunded=record.money(record.amount_refunded_minor),
            refundable=record.refundable_minor,
            left=record.money(record.refundable_minor),
            index_url=reverse(self.index_url_name),
        )
        return context

    def form_valid(self, form):
        amount_minor = int(
            (form.cleaned_data["amount"] * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        )
        try:
            refunded = payments.refund_issue(
                record=self.record,
                amount_minor=amount_minor,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                seen_refunded=form.cleaned_data["seen_refunded"],
            )
        except payments.RefundNotAllowed as error:
            form.add_error(None, str(error))
            self.record.refresh_from_db()
            return self.form_invalid(form)
        except stripe.StripeError as error:
            form.add_error(None, f"Stripe did not make the refund: {error.user_message or error}")
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{refunded.money(amount_minor)} refunded through Stripe. Its confirmation updates "
            "the status in a moment.",
        )
        return redirect(self.index_url_name)


def refund_link(url_name: str):
    """A list column: "Refund…" for what can still be refunded."""

    def link(record) -> str:
        if not record.refundable_minor or not record.stripe_payment_intent_id:
            return ""
        return format_html('<a href="{}">Refund…</a>', reverse(url_name, args=[record.pk]))

    return link


class WaitListPanel(Component):
    """The admin home page's summary of the wait list."""

    name = "coaching_waitlist"
    order = 110
    template_name = "coaching/admin/home_panel.html"

    def get_context_data(self, parent_context):
        counts = selectors.status_counts()
        return {
            "counts": [(Status(value).label, value, n) for value, n in counts.items()],
            "index_url": reverse("coaching_waitlist:index"),
            "invite_url": reverse("coaching_waitlist:invite"),
        }


class PaymentIndexView(IndexView):
    """Payments, with the total paid for the current filters, by currency."""

    results_template_name = "coaching/admin/payments_index_results.html"

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["totals"] = payment_selectors.payments_totals(self.object_list)
        return context


def stripe_link(payment) -> str:
    if not payment.stripe_payment_intent_id:
        return ""
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">View in Stripe</a>',
        stripe_client.dashboard_url(payment.stripe_payment_intent_id),
    )


class RevenuePanel(Component):
    """The admin home page's bookings and revenue this month."""

    name = "coaching_revenue"
    order = 120
    template_name = "coaching/admin/revenue_panel.html"

    def get_context_data(self, parent_context):
        return {
            "month": payment_selectors.revenue_this_month(),
            "payments_url": reverse("coaching_payments:index"),
        }
