from django.conf import settings

from coachhouse.pages import site_for


def site(request):
    """The site's name for titles and social tags, from Wagtail's Site record."""
    current = site_for(request)
    return {"site_name": (current and current.site_name) or settings.WAGTAIL_SITE_NAME}
