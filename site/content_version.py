"""The content version: a token that changes whenever something visitors see may have changed.

Whole pages (coachhouse/page_cache.py), `{% cache %}` fragments and values every reader shares
(`shared`) are stored with the version they were made in, and never used in another. A new
version starts when a page is published, unpublished, moved or deleted, and when a record
pages show is saved or deleted: a Site, a page's privacy, a setting, a snippet, an image or a
document; and after `migrate`, as a deploy runs it. A draft saved changes nothing. Nothing
has to know which pages show what: a coach publishes a few times a week, and a popular
article is read thousands of times in between.
"""

import functools
import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "content-version"


def current_version() -> str:
    """The version now; templates get it as `content_version`, for `{% cache %}` keys."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def shared(name: str, compute, *, request=None):
    """A value the same for every reader (the header's links, a course's lessons, whether any
    page is private), computed once per version; one round trip to the cache when it is kept
    (none when `prefetch` read it for this request)."""
    return shared_many([name], lambda index: compute(), request=request)[0]


def shared_many(names: list[str], compute, *, request=None) -> list:
    """`shared` for many values in one round trip: `compute(index)` makes the value of
    `names[index]` when it is missing (a course outline's items, say)."""
    keys = [_key(name) for name in names]
    found = getattr(request, "prefetched_content", None)
    if found is None or VERSION_KEY not in found or not all(key in found for key in keys):
        found = cache.get_many([VERSION_KEY, *keys])
    version = found.get(VERSION_KEY) or current_version()
    values, missing = [], {}
    for index, key in enumerate(keys):
        entry = found.get(key)
        if entry is None or entry[0] != version:
            entry = (version, compute(index))
            if entry[1] is not None:  # nothing is kept for what is not there (a 404's path)
                missing[key] = entry
        values.append(entry[1])
    if missing:
        cache.set_many(missing, settings.PAGE_CACHE_SECONDS)
    return values


def prefetch(request, names: list[str]) -> None:
    """Read the kept values of `names` in one round trip, for the `shared` and `shared_many`
    calls given this request later on: a page whose parts each keep markup (its header, its
    body, its outline) reads them all at once. A name not kept yet is read again where used."""
    request.prefetched_content = cache.get_many([VERSION_KEY, *map(_key, names)])


def _key(name: str) -> str:
    # Hashed: a name may hold a long URL path, longer than caches accept in a key; short, as
    # a page reads fifty of them and Django checks each key's every character.
    return f"content:{hashlib.blake2b(name.encode(), digest_size=16).hexdigest()}"


def content_changed(**kwargs) -> None:
    """Start a new version: now, and again once the change commits, so a page rendered from
    the rows as they were before the commit is not kept in the new version."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


@functools.cache
def shown_models() -> frozenset:
    """The records pages show besides pages: saving or deleting one starts a new version."""
    from django.apps import apps
    from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import PageViewRestriction, Site
    from wagtail.snippets.models import get_snippet_models

    settings_models = [
        model
        for model in apps.get_models()
        if issubclass(model, BaseSiteSetting | BaseGenericSetting)
    ]
    return frozenset(
        {Site, PageViewRestriction, get_image_model(), get_document_model()}
        | {*settings_models, *get_snippet_models()}
    )


def _record_changed(sender, **kwargs) -> None:
    if sender in shown_models():
        content_changed()


def connect_signals() -> None:
    """What a visitor sees changes when a page is published, unpublished, moved or deleted,
    and when a record pages show is saved or deleted; a draft's save changes nothing."""
    from django.db.models.signals import post_delete, post_migrate, post_save
    from wagtail.models import Page
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(content_changed, dispatch_uid="content-version-published")
    page_unpublished.connect(content_changed, dispatch_uid="content-version-unpublished")
    post_page_move.connect(content_changed, dispatch_uid="content-version-moved")
    post_delete.connect(content_changed, sender=Page, dispatch_uid="content-version-page-deleted")
    # A deploy migrates: what was kept belongs to the code before it.
    post_migrate.connect(content_changed, dispatch_uid="content-version-migrated")
    post_save.connect(_record_changed, dispatch_uid="content-version-record-saved")
    post_delete.connect(_record_changed, dispatch_uid="content-version-record-deleted")
