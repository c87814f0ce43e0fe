"""Whole pages for anonymous visitors, kept in Django's cache (its stock RedisCache backend in
production) for one content version (coachhouse/content_version.py).

A visitor with no session cookie and no pending message gets a stored copy of a page that is
the same for every such visitor: a Wagtail page whose type allows it (`cache_for_anonymous`),
answered 200, that set no cookie, rendered no CSRF token and left the session alone. Responses
that carry a token or a session are marked `private, no-store`, for every cache on the way.

Why this module and not a package: Django's cache middleware keys entries on the whole URL, so
every new query string makes a new entry, and it cannot forget pages on publish; wagtail-cache
keys on the URL too (it drops parameters it is told about, not unknown ones) and forgets by
emptying the whole cache, where this site also keeps sessions and rate limits. Wagtail's
`frontend_cache` purges a CDN in front of the site, and complements this one if she adds one.

The key is the scheme, the host name without its port, the path and only the query parameters
the page reads (`cache_query_parameters`, such as the article list's `page`), so neither other
parameters nor ports make new entries (pages build absolute URLs from the Site record, never
from the request's Host). Each entry is stored with the content version it was rendered in and
never served in another: a publish shows at once, a draft saved changes nothing. A hit costs
one round trip, for the version and the entry together.
"""

import functools
import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.utils.cache import patch_cache_control

from coachhouse.content_version import VERSION_KEY, current_version


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        asked = asked_parameters(request) if is_anonymous(request) else None
        if asked is not None and (entry := self.cached(request, asked)) is not None:
            response = HttpResponse(entry[2], headers=entry[3])
            response["X-Cache"] = "hit"
            return response

        response = self.get_response(request)

        if asked is not None and request.method == "GET" and is_shareable(request, response):
            reads = getattr(request, "page_cache_parameters", ())
            key = entry_key(request, {name: asked[name] for name in reads if name in asked})
            entry = (request.page_cache_version, reads, response.content, dict(response.headers))
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
            response["X-Cache"] = "miss"
        elif is_personal(request, response):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def cached(request, asked: dict):
        """The stored entry for the request, in one round trip: the one made with the same
        parameters, or else the one made without any if its page reads none of them."""
        exact, bare = entry_key(request, asked), entry_key(request, {})
        found = cache.get_many([VERSION_KEY, exact, bare])
        version = found.get(VERSION_KEY)
        request.page_cache_version = version or current_version()
        for key in dict.fromkeys([exact, bare]):
            entry = found.get(key)
            if entry and entry[0] == version and (key == exact or not set(entry[1]) & set(asked)):
                return entry
        return None


def is_anonymous(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


@functools.cache
def readable_parameters() -> frozenset:
    """Every query parameter some page type reads (`cache_query_parameters`)."""
    from wagtail.models import get_page_models

    return frozenset(
        name for model in get_page_models() for name in getattr(model, "cache_query_parameters", ())
    )


def asked_parameters(request) -> dict:
    """The parameters of the request some page reads, each with its first value."""
    return {
        name: request.GET[name] for name in sorted(readable_parameters()) if name in request.GET
    }


def entry_key(request, parameters: dict) -> str:
    host, _port = split_domain_port(request.get_host())
    url = f"{request.scheme}://{host}{request.path}?{urlencode(sorted(parameters.items()))}"
    return "page-cache:" + hashlib.sha256(url.encode()).hexdigest()


def is_shareable(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        getattr(request, "page_cacheable", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not getattr(getattr(request, "session", None), "modified", False)
        and not request.user.is_authenticated
        and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
    )


def is_personal(request, response) -> bool:
    user = getattr(request, "user", None)
    return bool(
        request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or response.cookies
        or (user is not None and user.is_authenticated)
    )
