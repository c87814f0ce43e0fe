from django.conf import settings
from django.utils.functional import SimpleLazyObject
from wagtail.models import Site

from coachhouse import content_version


def site(request):
    """The site's name for titles and social tags, from Wagtail's Site record, and the
    version of what visitors see (read only by a template that caches a fragment with it)."""
    current = Site.find_for_request(request)
    return {
        "site_name": (current and current.site_name) or settings.WAGTAIL_SITE_NAME,
        # Read from the cache at most once a request, by the first fragment that needs it.
        "content_version": SimpleLazyObject(content_version.current_version),
    }
