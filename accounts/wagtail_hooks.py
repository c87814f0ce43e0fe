"""Admin hooks for people's accounts."""

from django.contrib.auth import get_user_model
from wagtail import hooks

from accounts.auth_backends import forget_users


@hooks.register("after_bulk_action")
def forget_users_changed_in_bulk(request, action_type, objects, action_class_instance):
    """Wagtail's bulk actions on users ("mark as inactive") update rows without a signal:
    the signed-in copies of those users are dropped, so a deactivated person is signed out
    at their next request."""
    User = get_user_model()  # noqa: N806 (a model class)
    forget_users([obj.pk for obj in objects if isinstance(obj, User)])
