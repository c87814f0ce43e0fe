"""Site-wide admin: the background tasks (emails above all) and whether they succeeded."""

from django_tasks_db.models import DBTaskResult
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from coaching.admin_views import ReadOnlyPermissionPolicy

# The worker writes task results; the admin only reads them.
register_permission_policy(DBTaskResult, ReadOnlyPermissionPolicy(DBTaskResult), exact_class=True)


class BackgroundTaskViewSet(ModelViewSet):
    """Emails that are queued, sent, waiting to retry, or failed for good."""

    model = DBTaskResult
    name = "background_tasks"
    url_prefix = "background-tasks"
    icon = "cogs"
    menu_label = "Background tasks"
    add_to_settings_menu = True
    inspect_view_enabled = True
    inspect_view_fields = [
        "task_path",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "run_after",
        "args_kwargs",
        "return_value",
        "exception_class_path",
        "traceback",
    ]
    list_display = ["task_path", "status", "enqueued_at", "finished_at", "exception_class_path"]
    list_filter = ["status", "task_path"]
    ordering = ["-enqueued_at"]
    form_fields = ["status"]


@hooks.register("register_admin_viewset")
def register_background_tasks():
    return BackgroundTaskViewSet()


@hooks.register("before_serve_page")
def allow_anonymous_page_cache(page, request, serve_args, serve_kwargs):
    """Tell the page cache (coachhouse/page_cache.py) whether this page type may be shared."""
    request.page_cacheable = getattr(page, "cache_for_anonymous", False)
    request.page_cache_parameters = getattr(page, "cache_query_parameters", ())
