"""Site-wide views that are not pages: robots.txt and the answer to too many requests."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(public=True, max_age=24 * 60 * 60)
def robots_txt(request):
    """What crawlers may visit, and where the sitemap is."""
    return render(
        request,
        "robots.txt",
        {"sitemap_url": request.build_absolute_uri(reverse("sitemap"))},
        content_type="text/plain; charset=utf-8",
    )
