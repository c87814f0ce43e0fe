"""Django's cached_db sessions, read in the round trip the page cache makes anyway.

Every request asks the cache for the content generation (and, for visitors, the whole page;
coachhouse/middleware.py). For a reader with a session cookie, the session is asked for in
the same round trip (`cache_key_for`), handed to this request alone (`prefetched`), and used
once by the store's first load; anything later (a new key after signing in, a second load)
reads the cache as Django does.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.sessions.backends import cached_db

# The keys Django makes (32 lower-case letters and digits); anything else is not looked up.
SESSION_KEY = re.compile(r"[a-z0-9]{32}")

_prefetched: ContextVar[dict | None] = ContextVar("prefetched_session", default=None)


class SessionStore(cached_db.SessionStore):
    def load(self):
        prefetched = _prefetched.get()
        if prefetched is not None and self.session_key is not None:
            data = prefetched.pop(self.session_key, None)
            if data is not None:
                return data
        return super().load()


def cache_key_for(request) -> str | None:
    """The cache key of the request's session, if it carries one that may exist."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if __name__ != settings.SESSION_ENGINE or settings.SESSION_CACHE_ALIAS != "default":
        return None
    if not SESSION_KEY.fullmatch(session_key):
        return None
    return SessionStore.cache_key_prefix + session_key


@contextmanager
def prefetched(request, data):
    """While serving `request`, its session store's first load uses `data` if it is not None."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    token = _prefetched.set({session_key: data} if data is not None else None)
    try:
        yield
    finally:
        _prefetched.reset(token)
