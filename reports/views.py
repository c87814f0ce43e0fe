"""The coach's reports in the Wagtail admin: funnel, attribution, learners, enrolments by week."""

from dataclasses import dataclass

import django_filters
from django.contrib.auth import get_user_model
from django.urls import include, path, reverse
from django.utils.functional import cached_property
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from coaching.models import WaitListEntry
from course.models import CoursePage, Enrolment
from reports import selectors as reports

# Who may read the reports: superusers, and groups given "view" (or "change") on enrolments.
report_permission_policy = ModelPermissionPolicy(Enrolment)
REPORT_PERMISSIONS = ["view", "change"]


def can_view_reports(user) -> bool:
    return report_permission_policy.user_has_any_permission(user, REPORT_PERMISSIONS)


def format_percent(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def percent_column(name: str, label: str, attribute: str) -> Column:
    return Column(name, label=label, accessor=lambda row: format_percent(getattr(row, attribute)))


class CoachReportView(ReportView):
    """A report over learners; lists of rows rather than querysets are fine."""

    any_permission_required = REPORT_PERMISSIONS
    permission_policy = report_permission_policy
    paginate_by = None

    def filter_queryset(self, queryset):
        # The selectors take the filter values themselves (see `filter_values`).
        return queryset

    @cached_property
    def filter_values(self) -> dict:
        if self.filters and self.filters.is_valid():
            return self.filters.form.cleaned_data
        return {}


# Charts, drawn on the server as SVG: geometry here, markup in templates/reports/components/.


@dataclass(frozen=True)
class HorizontalBar:
    label: str
    value: int
    text: str
    y: int
    width: float
    highlight: bool = False


FUNNEL_LABEL_WIDTH = 270
FUNNEL_LABEL_CHARS = 32
FUNNEL_BAR_WIDTH = 380
FUNNEL_ROW_HEIGHT = 34


def funnel_chart(funnel: reports.Funnel) -> dict:
    """Bars for "enrolled" and then each lesson, scaled to the enrolled count."""
    scale = FUNNEL_BAR_WIDTH / funnel.enrolled if funnel.enrolled else 0
    rows = [("Enrolled", funnel.enrolled, f"{funnel.enrolled}", False)] + [
        (
            f"{step.number}. {step.title}",
            step.completed,
            f"{step.completed} ({format_percent(step.percent)})",
            step.is_drop_off,
        )
        for step in funnel.steps
    ]
    bars = [
        HorizontalBar(
            label=label
            if len(label) <= FUNNEL_LABEL_CHARS
            else label[: FUNNEL_LABEL_CHARS - 1] + "…",
            value=value,
            text=text,
            y=10 + n * FUNNEL_ROW_HEIGHT,
            width=round(value * scale, 1),
            highlight=highlight,
        )
        for n, (label, value, text, highlight) in enumerate(rows)
    ]
    return {
        "bars": bars,
        "label_width": FUNNEL_LABEL_WIDTH,
        "bar_x": FUNNEL_LABEL_WIDTH + 10,
        "bar_height": FUNNEL_ROW_HEIGHT - 12,
        "width": FUNNEL_LABEL_WIDTH + FUNNEL_BAR_WIDTH + 120,
        "height": 20 + len(bars) * FUNNEL_ROW_HEIGHT,
    }


@dataclass(frozen=True)
class VerticalBar:
    label: str
    value: int
    x: float
    y: float
    height: float


WEEK_BAR_WIDTH = 44
WEEK_GAP = 14
WEEK_CHART_HEIGHT = 200


def weekly_chart(weeks: list[reports.WeekCount]) -> dict:
    """One bar per week, scaled to the busiest week."""
    top = max((week.enrolments for week in weeks), default=0)
    scale = WEEK_CHART_HEIGHT / top if top else 0
    base = 30 + WEEK_CHART_HEIGHT
    bars = []
    for n, week in enumerate(weeks):
        height = round(week.enrolments * scale, 1)
        bars.append(
            VerticalBar(
                label=f"{week.week.day} {week.week:%b}",
                value=week.enrolments,
                x=50 + n * (WEEK_BAR_WIDTH + WEEK_GAP),
                y=base - height,
                height=height,
            )
        )
    return {
        "bars": bars,
        "top": top,
        "base": base,
        "bar_width": WEEK_BAR_WIDTH,
        "half_bar": WEEK_BAR_WIDTH / 2,
        "width": 60 + len(weeks) * (WEEK_BAR_WIDTH + WEEK_GAP),
        "height": base + 30,
    }


# Course funnel ----------------------------------------------------------------------------


class CourseFilterSet(WagtailFilterSet):
    course = django_filters.ModelChoiceFilter(
        queryset=reports.course_choices(), empty_label=None, label="Course"
    )

    class Meta:
        model = CoursePage
        fields = []


class FunnelReportView(CoachReportView):
    page_title = "Course funnel"
    header_icon = "list-ol"
    results_template_name = "reports/funnel_results.html"
    index_url_name = "coachhouse_reports:funnel"
    index_results_url_name = "coachhouse_reports:funnel_results"
    filterset_class = CourseFilterSet
    export_filename = "course-funnel"
    columns = [
        Column("number", label="#"),
        Column(
            "title",
            label="Lesson",
            accessor=lambda step: (
                f"{step.title} (biggest drop-off)" if step.is_drop_off else step.title
            ),
        ),
        Column("completed", label="Completed"),
        percent_column("percent", "% of enrolled", "percent"),
        Column("lost", label="Lost since previous step"),
    ]
    list_export = ["number", "title", "completed", "enrolled", "percent", "lost", "is_drop_off"]
    export_headings = {
        "number": "Lesson number",
        "title": "Lesson",
        "completed": "Completed",
        "enrolled": "Enrolled",
        "percent": "% of enrolled",
        "lost": "Lost since previous step",
        "is_drop_off": "Biggest drop-off",
    }

    @cached_property
    def funnel(self) -> reports.Funnel:
        course = self.filter_values.get("course") or reports.course_choices().first()
        return reports.course_funnel(course=course)

    def get_queryset(self):
        return self.funnel.steps

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["funnel"] = self.funnel
        context["chart"] = funnel_chart(self.funnel)
        return context


# Attribution ------------------------------------------------------------------------------


class AttributionFilterSet(WagtailFilterSet):
    enrolled_at = django_filters.DateFromToRangeFilter(
        label="Enrolled between", widget=DateRangePickerWidget
    )
    course = django_filters.ModelChoiceFilter(
        queryset=reports.course_choices(), empty_label="All courses", label="Course"
    )

    class Meta:
        model = Enrolment
        fields = []


class AttributionReportView(CoachReportView):
    page_title = "Attribution"
    header_icon = "link"
    results_template_name = "reports/attribution_results.html"
    index_url_name = "coachhouse_reports:attribution"
    index_results_url_name = "coachhouse_reports:attribution_results"
    filterset_class = AttributionFilterSet
    paginate_by = 100
    export_filename = "attribution"
    no_results_message = "Nobody enrolled in this period."
    columns = [
        Column("source_title", label="Source page"),
        Column("signups", label="Sign-ups"),
        Column("completions", label="Completed the course"),
        percent_column("completion_rate", "of sign-ups", "completion_rate"),
        Column("waitlist_joins", label="Joined the wait list"),
        percent_column("waitlist_rate", "of sign-ups", "waitlist_rate"),
        Column("bookings", label="Booked"),
        percent_column("booking_rate", "of wait list", "booking_rate"),
        percent_column("overall_rate", "of sign-ups", "overall_rate"),
    ]
    list_export = [
        "source_title",
        "source_id",
        "signups",
        "completions",
        "completion_rate",
        "waitlist_joins",
        "waitlist_rate",
        "bookings",
        "booking_rate",
        "overall_rate",
    ]
    export_headings = {
        "source_title": "Source page",
        "source_id": "Page id",
        "signups": "Sign-ups",
        "completions": "Course completions",
        "completion_rate": "Completion % of sign-ups",
        "waitlist_joins": "Wait-list joins",
        "waitlist_rate": "Wait-list % of sign-ups",
        "bookings": "Bookings",
        "booking_rate": "Booking % of wait-list joins",
        "overall_rate": "Booking % of sign-ups",
    }

    @cached_property
    def rows(self) -> list[reports.AttributionRow]:
        period = self.filter_values.get("enrolled_at")
        return reports.attribution(
            start=period.start if period else None,
            end=period.stop if period else None,
            course=self.filter_values.get("course"),
        )

    def get_queryset(self):
        return self.rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["total"] = reports.attribution_total(self.rows)
        context["format_percent"] = format_percent
        return context


# Learners ---------------------------------------------------------------------------------


def _progress(user) -> str:
    return f"{user.lessons_completed} / {user.lessons_total}"


def _waitlist_status(user) -> str:
    if not user.waitlist_status:
        return "–"
    return WaitListEntry.Status(user.waitlist_status).label


class LearnersReportView(CoachReportView):
    page_title = "Learners"
    header_icon = "group"
    index_url_name = "coachhouse_reports:learners"
    index_results_url_name = "coachhouse_reports:learners_results"
    is_searchable = True
    paginate_by = 50
    export_filename = "learners"
    model = get_user_model()
    verbose_name_plural = "learners"
    columns = [
        Column("email", label="Email"),
        Column("name", label="Name", accessor="get_full_name"),
        Column("progress", label="Lessons completed", accessor=_progress),
        Column("courses_completed", label="Courses completed"),
        DateColumn("last_activity", label="Last activity"),
        Column("waitlist_status", label="Wait list", accessor=_waitlist_status),
        DateColumn("date_joined", label="Joined"),
    ]
    list_export = [
        "email",
        "first_name",
        "last_name",
        "date_joined",
        "lessons_completed",
        "lessons_total",
        "courses_completed",
        "last_activity",
        "waitlist_status",
    ]
    export_headings = {
        "lessons_completed": "Lessons completed",
        "lessons_total": "Lessons in their courses",
        "courses_completed": "Courses completed",
        "last_activity": "Last activity",
        "waitlist_status": "Wait-list status",
    }

    def get_queryset(self):
        learners = reports.learners(search=self.search_query)
        return reports.learners_with_progress(learners) if self.is_export else learners

    def paginate_queryset(self, queryset, page_size):
        # Progress is computed for the page shown only, not for every learner before paging.
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        return paginator, page, reports.learners_with_progress(object_list), is_paginated


# Enrolments over time ---------------------------------------------------------------------


class EnrolmentsReportView(CoachReportView):
    page_title = "Enrolments by week"
    header_icon = "date"
    results_template_name = "reports/enrolments_results.html"
    index_url_name = "coachhouse_reports:enrolments"
    index_results_url_name = "coachhouse_reports:enrolments_results"
    export_filename = "enrolments-by-week"
    columns = [
        Column("week", label="Week starting", accessor=lambda row: f"{row.week:%a %-d %b %Y}"),
        Column("enrolments", label="Enrolments"),
        Column("completions", label="Course completions"),
    ]
    list_export = ["week", "enrolments", "completions"]
    export_headings = {
        "week": "Week starting",
        "enrolments": "Enrolments",
        "completions": "Course completions",
    }

    @cached_property
    def weeks(self) -> list[reports.WeekCount]:
        return reports.enrolments_by_week()

    def get_queryset(self):
        return self.weeks

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["chart"] = weekly_chart(self.weeks)
        context["total"] = sum(week.enrolments for week in self.weeks)
        return context


# Dashboard --------------------------------------------------------------------------------


class LearnersThisWeekPanel(Component):
    """The admin home page's new learners, enrolments and completions in the last 7 days."""

    name = "coachhouse_learners_week"
    order = 100
    template_name = "reports/home_panel.html"

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        summary = reports.week_summary()
        return {
            "rows": [
                ("New learners", summary.new_learners, summary.new_learners_week_before),
                ("Enrolments", summary.enrolments, summary.enrolments_week_before),
                ("Course completions", summary.completions, summary.completions_week_before),
            ],
            "show_links": can_view_reports(request.user),
            "funnel_url": reverse("coachhouse_reports:funnel"),
            "attribution_url": reverse("coachhouse_reports:attribution"),
            "learners_url": reverse("coachhouse_reports:learners"),
            "enrolments_url": reverse("coachhouse_reports:enrolments"),
        }


# URLs and menu ----------------------------------------------------------------------------

REPORTS = {
    "funnel": ("course-funnel/", FunnelReportView, "Course funnel", "list-ol", 10),
    "attribution": ("attribution/", AttributionReportView, "Attribution", "link", 11),
    "learners": ("learners/", LearnersReportView, "Learners", "group", 12),
    "enrolments": ("enrolments/", EnrolmentsReportView, "Enrolments by week", "date", 13),
}


def admin_urls() -> list:
    """Each report and its results-only fragment (for filtering without a page load)."""
    patterns = []
    for name, (route, view, *_) in REPORTS.items():
        patterns += [
            path(route, view.as_view(), name=name),
            path(f"{route}results/", view.as_view(results_only=True), name=f"{name}_results"),
        ]
    return [path("course-reports/", include((patterns, "coachhouse_reports")))]


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_reports(request.user)


def menu_item(name: str) -> MenuItem:
    _, _, label, icon, order = REPORTS[name]
    return ReportMenuItem(
        label, reverse(f"coachhouse_reports:{name}"), name=name, icon_name=icon, order=order
    )
