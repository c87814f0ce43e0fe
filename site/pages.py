"""What every page type of the site shares: how it is routed and how its privacy is read."""

import functools

from wagtail.models import Page, PageViewRestriction, get_page_models

from coachhouse import content_version


class PrivacyMixin:
    """For every page type of the site: its privacy read with few queries."""

    def get_view_restrictions(self):
        """Wagtail reads a page's privacy rules on every view, in two queries; while no page
        of the site is private (as usual), the cache says so instead."""
        if not content_version.shared("any-view-restriction", PageViewRestriction.objects.exists):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


@functools.cache
def stock_routing_below(root_model) -> bool:
    """Whether every page type that can sit below `root_model` routes as Wagtail's `Page`
    does, so a path can be looked up by its URL path (see `route_by_url_path`)."""
    return all(
        model.route is Page.route
        for model in get_page_models()
        if not issubclass(model, root_model)
    )


def route_by_url_path(root, request, path_components):
    """The page at `path_components` below `root`, found by its URL path (kept in the cache
    for the content version), as Wagtail's walk down the tree (two queries a level) finds
    it, and routed on as usual;
    None when there is no such page, or some page type routes on its own (RoutablePageMixin,
    say), so the caller walks the tree as Wagtail does."""
    if not path_components or not stock_routing_below(type(root)):
        return None
    url_path = root.url_path + "/".join(path_components) + "/"

    def find():
        page = Page.objects.filter(url_path=url_path).first()
        return page.specific if page is not None else None

    # Kept in the cache until the next publish: every request gets its own copy of the page.
    page = content_version.shared(f"page-at:{url_path}", find)
    return page.route(request, []) if page is not None else None
