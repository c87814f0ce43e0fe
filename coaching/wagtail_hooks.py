"""Registers the wait list, the coaching packages and the dashboard panel with the admin."""

from django.urls import path
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.snippets import SnippetViewSet

from coaching import admin_views, views
from coaching.models import CoachingPackage, Payment, WaitListEntry, WaitListPage
from course.models import CourseOrder


class WaitListViewSet(ModelViewSet):
    model = WaitListEntry
    name = "coaching_waitlist"
    url_prefix = "coaching/wait-list"
    icon = "group"
    menu_label = "Wait list"
    index_view_class = admin_views.WaitListIndexView
    inspect_view_class = admin_views.WaitListInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "name",
        "email",
        "status",
        "job_search_stage",
        "goals",
        "share_reflections",
        "user",
        "created_at",
        "confirmed_at",
        "invited_at",
        "invitation_expires_at",
    ]
    form_fields = ["name", "job_search_stage", "goals"]
    list_display = ["name", "email", "status", "job_search_stage", "confirmed_at", "invited_at"]
    list_filter = ["status", "job_search_stage", "share_reflections"]
    search_fields = ["name", "email", "goals"]
    list_export = [
        "name",
        "email",
        "status",
        "job_search_stage",
        "goals",
        "share_reflections",
        "created_at",
        "confirmed_at",
        "invited_at",
        "invitation_expires_at",
        "status_changed_at",
    ]
    export_filename = "wait-list"
    ordering = ["confirmed_at", "pk"]
    add_to_admin_menu = False

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("invite/", self.invite_view, name="invite"),
            path("status/<int:pk>/", self.status_view, name="status"),
        ]

    @property
    def invite_view(self):
        return admin_views.InviteNextView.as_view(permission_policy=self.permission_policy)

    @property
    def status_view(self):
        return admin_views.change_status_view(self.permission_policy)


class CoachingPackageViewSet(SnippetViewSet):
    model = CoachingPackage
    icon = "tag"
    menu_label = "Packages"
    list_display = ["name", "sessions", "price_display", "active"]
    list_filter = ["active"]


class RefundableViewSet(ModelViewSet):
    """A read-only list of what Stripe was paid, with a "Refund…" view (admin_views.RefundView)
    for those given `refund_permission`."""

    refund_permission = ""

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("refund/<int:pk>/", self.refund_view, name="refund"),
        ]

    @property
    def refund_view(self):
        return admin_views.RefundView.as_view(
            model=self.model,
            permission=self.refund_permission,
            index_url_name=self.get_url_name("index"),
            index_label=self.menu_label,
        )


# Payments are written by Stripe's webhook only; the admin reads and exports them.
register_permission_policy(Payment, admin_views.ReadOnlyPermissionPolicy(Payment), exact_class=True)


class PaymentViewSet(RefundableViewSet):
    model = Payment
    name = "coaching_payments"
    url_prefix = "coaching/payments"
    icon = "form"
    menu_label = "Payments"
    index_view_class = admin_views.PaymentIndexView
    inspect_view_enabled = True
    list_display = [
        "entry",
        "package",
        Column("amount_display", label="Amount"),
        "status",
        "paid_at",
        Column("stripe", label="Stripe", accessor=admin_views.stripe_link),
        Column("refund", label="", accessor=admin_views.refund_link("coaching_payments:refund")),
    ]
    list_filter = ["status", "package", "currency"]
    list_export = [
        "entry",
        "package",
        "amount_minor",
        "currency",
        "status",
        "created_at",
        "paid_at",
        "refunded_at",
        "amount_refunded_minor",
        "stripe_session_id",
        "stripe_payment_intent_id",
    ]
    export_filename = "payments"
    form_fields = ["status"]
    refund_permission = "coaching.refund_payment"


register_permission_policy(
    CourseOrder, admin_views.ReadOnlyPermissionPolicy(CourseOrder), exact_class=True
)


class CourseOrderViewSet(RefundableViewSet):
    """Who bought which course; written by Stripe's webhook only, like payments."""

    model = CourseOrder
    name = "course_orders"
    url_prefix = "coaching/course-orders"
    icon = "doc-full"
    menu_label = "Course orders"
    inspect_view_enabled = True
    list_display = [
        "user",
        "course",
        Column("amount_display", label="Amount"),
        "status",
        "paid_at",
        Column("stripe", label="Stripe", accessor=admin_views.stripe_link),
        Column("refund", label="", accessor=admin_views.refund_link("course_orders:refund")),
    ]
    list_filter = ["status", "currency"]
    search_fields = ["user__email", "stripe_session_id", "stripe_payment_intent_id"]
    list_export = [
        "user",
        "course",
        "amount_minor",
        "currency",
        "status",
        "created_at",
        "paid_at",
        "refunded_at",
        "amount_refunded_minor",
        "stripe_session_id",
        "stripe_payment_intent_id",
    ]
    export_filename = "course-orders"
    form_fields = ["status"]
    refund_permission = "course.refund_courseorder"


class CoachingGroup(ModelViewSetGroup):
    menu_label = "Coaching"
    menu_icon = "group"
    menu_order = 250
    items = (WaitListViewSet, PaymentViewSet, CourseOrderViewSet, CoachingPackageViewSet)


@hooks.register("register_admin_viewset")
def register_coaching():
    return CoachingGroup()


@hooks.register("construct_homepage_panels")
def add_waitlist_panel(request, panels):
    panels.append(admin_views.WaitListPanel())
    panels.append(admin_views.RevenuePanel())


@hooks.register("before_serve_page")
def take_wait_list_submissions(page, request, serve_args, serve_kwargs):
    """A POST to the wait-list page is a join: handled by its view, not by the model."""
    if request.method == "POST" and isinstance(page, WaitListPage):
        return views.waitlist_join(page, request, *serve_args, **serve_kwargs)
    return None
