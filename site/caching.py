"""What the site keeps in the cache between requests, and how it forgets all of it at once.

Every entry below carries the *content generation* (in its key, or beside the value for the
pages and the site record, which are fetched together in one round trip), a token that
changes whenever something a visitor can see may have changed: a page is published,
unpublished, moved or deleted, a page's privacy changes, the site settings, a Site record, an
image or a document are saved. A new token orphans every earlier entry (they expire on their
own), so no entry has to know which pages it depends on: a course page lists its lessons,
every page shows the header links, and all of it is fresh after any publish. A coach
publishes a few times a week; a popular article is read thousands of times in between.

Two layers hold entries. The shared cache (Redis in production, where REDIS_URL is required)
holds whole anonymous pages, routes and the site record, for every worker. Each process also
keeps its own copies of what every signed-in view reads (`kept`: routed pages, a course with
its lessons, the header and footer, the sidebar's items, a lesson's body and progress panel,
`{% kept %}` blocks), which cost neither a round trip nor unpickling; they are checked against
the generation read from the shared cache once a request, so a publish reaches every worker at
once. Kept markup never holds a reader's own data: a form in it has a hole where each request
puts its own CSRF token (`with_csrf_token`). With the local-memory cache each
process has its own generation, which is only right for one process (`make run`, the tests).
"""

import functools
import hashlib
import secrets
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.middleware.csrf import get_token
from wagtail.models import PageViewRestriction, Site
from wagtail.url_routing import RouteResult

GENERATION_KEY = "content-generation"


# The generation read for the request being served, for code that has no request at hand
# (Wagtail asks a page for its privacy rules without one); see `serving`.
_serving_generation: ContextVar[str | None] = ContextVar("content_generation", default=None)


def generation(request=None) -> str:
    """The current content generation, read once per request."""
    if request is not None and hasattr(request, "_content_generation"):
        return request._content_generation
    if request is None and (value := _serving_generation.get()) is not None:
        return value
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        value = cache.get(GENERATION_KEY)
    if request is not None:
        request._content_generation = value
    return value


@contextmanager
def serving(request):
    """While serving `request`, calls without a request use the generation read for it."""
    token = _serving_generation.set(generation(request))
    try:
        yield
    finally:
        _serving_generation.reset(token)


def content_changed(**kwargs) -> None:
    """Forget every cached page, route and site record (a signal receiver, see apps.py).

    Once now, and again when the change is committed: a publish runs in a transaction, and a
    reader in another process who fills the new generation before the commit still reads
    what was there before it, which would otherwise be kept until the next change.
    """
    _new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_new_generation)


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def key(request, *parts) -> str:
    return ":".join(["content", generation(request), *map(str, parts)])


def timeout() -> int:
    return settings.PAGE_CACHE_SECONDS


# This process's own copies of entries (see `kept`), for one generation at a time.
_kept: dict = {}
# A coach's site (a few hundred pages, courses of tens of lessons) fits many times over; a site
# far bigger starts again from empty rather than growing a worker's memory without end.
KEPT_LIMIT = 5_000


def kept(parts: tuple, compute, *, request=None):
    """The value for `parts` in this generation, computed once in this process and kept there.

    For what every signed-in page view reads and no visitor can change (a course's outline, a
    lesson list item's markup): no round trip to the cache and no unpickling. The generation is
    still read from the shared cache, once a request, so a publish reaches every process at
    once, and the copies of an earlier generation are dropped. Values are shared by every
    request this process serves: never change one.
    """
    entries = _kept_now(request)
    try:
        return entries[parts]
    except KeyError:
        value = entries[parts] = compute()
        return value


# Kept markup that holds a form carries this instead of a CSRF token, and `with_csrf_token`
# puts the request's own token there: a token is never shared between readers. Random, so no
# text an editor writes can hold it.
CSRF_HOLE = f"csrf-hole-{secrets.token_hex(16)}"


def with_csrf_token(markup: str, request) -> str:
    """Kept `markup` with this request's CSRF token in each of its holes."""
    if CSRF_HOLE not in markup:
        return markup
    if not hasattr(request, "_kept_csrf_token"):  # one masked token for the whole page
        request._kept_csrf_token = get_token(request)
    return markup.replace(CSRF_HOLE, request._kept_csrf_token)


def kept_many(parts_list: list[tuple], compute, *, request=None) -> list:
    """`kept` for many values at once: `compute(index)` makes the one for `parts_list[index]`
    when it is missing. For the sidebar's fifty items, on every lesson page."""
    entries = _kept_now(request)
    values = []
    for index, parts in enumerate(parts_list):
        value = entries.get(parts)
        if value is None:
            value = entries[parts] = compute(index)
        values.append(value)
    return values


def keep(parts: tuple, value, *, request=None) -> None:
    """Keep `value` for `parts` in this generation, as `kept` would."""
    _kept_now(request)[parts] = value


def peek(parts: tuple, *, request=None):
    """What `kept` holds for `parts` in this generation, or None."""
    return _kept_now(request).get(parts)


def _kept_now(request) -> dict:
    """This process's entries, by their parts (a tuple), emptied first if the generation has
    changed since."""
    current = generation(request)
    if _kept.get(GENERATION_KEY) != current or len(_kept) > KEPT_LIMIT:
        _kept.clear()
        _kept[GENERATION_KEY] = current
    return _kept


def fetch_current(request, *keys, raw_keys=()) -> tuple[list, list]:
    """Entries written by `store`, with the generation, in one round trip to the cache.

    The generation is kept in these values rather than in their keys, so the cache is asked
    once for all of them: what every anonymous page view pays before it is answered. Keys
    that are None are not asked for and come back as None. `raw_keys` are read in the same
    round trip, and returned as they are stored.
    """
    wanted = [GENERATION_KEY, *(key for key in (*keys, *raw_keys) if key is not None)]
    values = cache.get_many(wanted)
    if GENERATION_KEY in values:
        request._content_generation = values[GENERATION_KEY]
    current = generation(request)
    entries = [
        entry[1] if key and (entry := values.get(key)) and entry[0] == current else None
        for key in keys
    ]
    return entries, [values.get(key) if key else None for key in raw_keys]


def store(request, entry_key: str, value) -> None:
    cache.set(entry_key, (generation(request), value), timeout())


def site_key(request) -> str:
    """Wagtail's Site for the request is cached under this key (see `remember_site`)."""
    return f"content-site:{request.get_host()}:{request.get_port()}"


def seed_site(request, site) -> None:
    """Give Wagtail the request's Site, with its specific root page, from the cache.

    Wagtail looks the site up (and then its root page) on every request and keeps it on the
    request as `_wagtail_site`; seeding that attribute saves both queries. The entry is
    written by `remember_site` once a page has been routed, so other requests never wait on
    the database for it.
    """
    request._wagtail_site = site
    request._wagtail_site_from_cache = True


def remember_site(request, root_page) -> None:
    """Keep the Site Wagtail just found for this request, with its root page (specific)."""
    site = getattr(request, "_wagtail_site", None)
    if site is None or getattr(request, "_wagtail_site_from_cache", False):
        return
    if site.root_page_id == root_page.pk:
        site.root_page = root_page
        store(request, site_key(request), site)


def route(root_page, request, path_components: list, route_uncached):
    """Route a path below the site's root page to a live page, from the cache when known.

    On a hit the page is loaded by its id and class, instead of with one or two queries for
    each level of the path, and then kept in the process (see `kept`), as is the route
    itself: signed-in readers, whose pages are never cached whole, pay for neither again.
    """
    remember_site(request, root_page)
    path = "/".join(path_components)
    parts = ("route", root_page.pk, path)
    # The path hashed in the shared cache's key: a long one would be longer than caches accept.
    entry_key = key(request, "route", root_page.pk, hashlib.sha256(path.encode()).hexdigest())
    known = peek(parts, request=request)
    if known is None and (known := cache.get(entry_key)) is not None:
        keep(parts, known, request=request)
    if known is not None:
        content_type_id, page_id = known
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        page = live_page(model, page_id, request=request)
        if page is not None:
            return RouteResult(page)
    result = route_uncached(request, path_components)
    page, args, kwargs = result
    if not args and not kwargs:
        known = (page.content_type_id, page.pk)
        cache.set(entry_key, known, timeout())
        keep(parts, known, request=request)
    return result


def seed_site_root_paths(request) -> None:
    """Give Wagtail its list of sites and their root paths, which every page URL is built
    from, kept in the process: it would read them from the cache once a request, and keeps
    them on the request as `_wagtail_cached_site_root_paths`."""
    request._wagtail_cached_site_root_paths = kept(
        ("site-root-paths",), Site.get_site_root_paths, request=request
    )


def live_page(model, page_id: int, *, request=None):
    """The live page of this (specific) model with this id, or None; kept in the process."""
    return kept(
        ("page", model._meta.label, page_id),
        lambda: model.objects.filter(pk=page_id, live=True).first(),
        request=request,
    )


def site_has_view_restrictions(request=None) -> bool:
    """Whether any page is private (a password, a login or groups) anywhere on the site."""
    return kept(("any-view-restrictions",), PageViewRestriction.objects.exists, request=request)


def may_use_admin(user, request=None) -> bool:
    """Whether `user.has_perm("wagtailadmin.access_admin")` holds, without its two queries.

    Wagtail's userbar asks that on every page a signed-in reader sees, and for a learner Django
    reads all their user and group permissions to answer no. The few people who hold the
    permission through a group or directly are read once a generation instead; superusers
    hold every permission. Granting or taking away a permission or a group starts a new
    generation (see `connect_signals`).
    """
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.pk in kept(("admin-users",), _admin_user_ids, request=request)


def _admin_user_ids() -> frozenset:
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    app_label, codename = "wagtailadmin", "access_admin"
    granted = Q(
        user_permissions__content_type__app_label=app_label,
        user_permissions__codename=codename,
    ) | Q(
        groups__permissions__content_type__app_label=app_label,
        groups__permissions__codename=codename,
    )
    users = get_user_model().objects.filter(granted)
    return frozenset(users.values_list("pk", flat=True).distinct())


class ViewRestrictionsMixin:
    """For page models: skip Wagtail's two privacy queries while no page is private."""

    def get_view_restrictions(self):
        if not site_has_view_restrictions():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


@functools.cache
def _content_models() -> tuple:
    """What pages show: saving or deleting any of these starts a new generation."""
    from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
    from wagtail.documents.models import AbstractDocument
    from wagtail.images.models import AbstractImage
    from wagtail.models import Page

    return (
        Page,
        Site,
        PageViewRestriction,
        BaseSiteSetting,
        BaseGenericSetting,
        AbstractImage,
        AbstractDocument,
    )


@functools.cache
def _permission_links() -> tuple:
    """Who may use the admin: changing any of these links starts a new generation."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    User = get_user_model()  # noqa: N806 (a model class)
    return (
        Group,
        Permission,
        User.groups.through,
        User.user_permissions.through,
        Group.permissions.through,
    )


def _content_saved_or_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, _content_models() + _permission_links()):
        content_changed()


def _permissions_linked(sender, action, **kwargs) -> None:
    if action.startswith("post_") and sender in _permission_links():
        content_changed()


def connect_signals() -> None:
    """Saving or deleting anything a page shows starts a new generation, and so does a move
    (treebeard moves pages with bulk updates, which send no save signal)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.signals import post_page_move

    post_save.connect(_content_saved_or_deleted, dispatch_uid="caching-content-saved")
    post_delete.connect(_content_saved_or_deleted, dispatch_uid="caching-content-deleted")
    post_page_move.connect(content_changed, dispatch_uid="caching-page-moved")
    m2m_changed.connect(_permissions_linked, dispatch_uid="caching-permissions-linked")
