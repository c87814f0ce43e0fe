"""Whole pages cached for anonymous visitors; everyone else's pages kept private.

A page is served from the cache only to a visitor who carries no session and no messages,
and a response is stored only when it is the same for every such visitor: a Wagtail page
that allows it (`cache_for_anonymous`), answered 200, that set no cookie and rendered no CSRF
token. Forms on cached pages therefore post to views that render their own token (the course
start page, the sign-in page). Responses that do carry a token or a session are marked
`Cache-Control: private, no-store`, so no shared cache on the way keeps them either.
"""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from coachhouse import caching, sessions

# Query parameters no page's HTML depends on (campaign tags are read from the Referer by the
# course start view): visitors arriving with them share the cached page.
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "msclkid", "mc_cid", "mc_eid", "ref"})


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        entry_key = self.entry_key(request) if self.is_anonymous(request) else None
        session_key = sessions.cache_key_for(request)
        (site, entry), (session,) = caching.fetch_current(
            request, caching.site_key(request), entry_key, raw_keys=[session_key]
        )
        if site is not None:
            caching.seed_site(request, site)
        if entry is not None:
            content, headers = entry
            response = HttpResponse(content, headers=headers)
            response["X-Cache"] = "hit"
            return response

        with caching.serving(request), sessions.prefetched(request, session):
            response = self.get_response(request)

        if entry_key and self.is_shareable(request, response):
            caching.store(request, entry_key, (response.content, dict(response.headers)))
            response["X-Cache"] = "miss"
        elif self.is_personal(request, response):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def is_anonymous(request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES
        )

    @staticmethod
    def entry_key(request) -> str:
        query = sorted(
            (name, value)
            for name, value in request.GET.items()
            if not name.startswith("utm_") and name not in TRACKING_PARAMETERS
        )
        url = f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(query)}"
        return "content-page:" + hashlib.sha256(url.encode()).hexdigest()

    @staticmethod
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

    @staticmethod
    def is_personal(request, response) -> bool:
        user = getattr(request, "user", None)
        return bool(
            request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or response.cookies
            or (user is not None and user.is_authenticated)
        )
