"""Site-wide views that are not pages: robots.txt and the answer to too many requests."""

import functools
import sys
from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django_ratelimit.core import get_usage
from wagtail import hooks
from wagtail import views as wagtail_views

from coachhouse.outages import RETRY_AFTER_SECONDS, is_outage
from coachhouse.pages import kept_route


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


def too_many_requests(request, seconds_left: int):
    """The site's own 429 page: what happened, and how long to wait."""
    minutes = max(1, -(-int(seconds_left) // 60))
    response = render(request, "429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(max(1, int(seconds_left)))
    response["Cache-Control"] = "private, no-store"
    return response


def limit_posts(*limits: tuple[str, str | Callable]):
    """Refuse a view's POSTs past any of `limits` ((rate, key) as django-ratelimit reads
    them) with the 429 page. Every POST counts; looking at the form counts for nothing."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                usages = [
                    get_usage(
                        request,
                        group=f"{view.__module__}.{view.__name__}:{n}",
                        key=key,
                        rate=rate,
                        increment=True,
                    )
                    for n, (rate, key) in enumerate(limits)
                ]
                limited = [usage for usage in usages if usage and usage["should_limit"]]
                if limited:
                    return too_many_requests(request, max(u["time_left"] for u in limited))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def serve(request, path):
    """Wagtail's page view (`wagtail.views.serve`, under its URL name `wagtail_serve`), with
    the route of each path kept in the cache (coachhouse.pages.kept_route); the page is served
    through Wagtail's page hooks in the same order. What cannot be kept goes to Wagtail's view.
    """
    found = kept_route(request, path)
    if found is None:
        return wagtail_views.serve(request, path)
    request.routed_site, page = found
    on_serve_chain = wagtail_views.serve_chain
    for fn in reversed(hooks.get_hooks("on_serve_page")):
        on_serve_chain = fn(on_serve_chain)
    for fn in hooks.get_hooks("before_serve_page"):
        result = fn(page, request, [], {})
        if isinstance(result, HttpResponse):
            return result
    return on_serve_chain(page, request, [], {})


def server_error(request):
    """Django's 500 view, except while the database or the cache cannot be reached
    (coachhouse/outages.py): then a 503 saying so, with Retry-After, so visitors, crawlers and
    balancers try again. Both pages render without the database, the cache or the static
    files' manifest."""
    if is_outage(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)
