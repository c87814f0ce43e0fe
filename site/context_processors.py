from django.conf import settings
from wagtail.models import Site


def site(request):
    """The site's name for titles and social tags, from Wagtail's Site record."""
    current = Site.find_for_request(request)
    return {"site_name": (current and current.site_name) or settings.WAGTAIL_SITE_NAME}
