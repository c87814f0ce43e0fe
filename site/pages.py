"""What every page type of the site shares: how it is routed, and what its views read."""

import functools

from wagtail.models import Page, PageViewRestriction, get_page_models

from coachhouse import content_version


class PrivacyMixin:
    """For every page type of the site: what its views read, kept with the page."""

    # Whether any privacy rule applies to the page: read when a page is kept by
    # `route_by_url_path`, or once per content version (a change of privacy starts a new one).
    view_restricted = None

    def get_view_restrictions(self):
        """Wagtail reads a page's privacy rules on every view, in two queries; a page that
        has none knows it from the cache."""
        if self.view_restricted is None and self.pk is not None:
            self.view_restricted = content_version.shared(
                f"view-restricted:{self.pk}", lambda: Page.get_view_restrictions(self).exists()
            )
        if self.view_restricted is False:
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

    def load_for_views(self) -> None:
        """Load what every view of the page reads, before the page is kept in the cache."""


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
    """The page at `path_components` below `root`, found by its URL path as Wagtail's walk
    down the tree (two queries a level) finds it, with what its views read, kept in the cache
    for the content version, and routed on as usual. None when there is no such page, or
    some page type routes on its own (RoutablePageMixin, say): the caller walks the tree."""
    if not path_components or not stock_routing_below(type(root)):
        return None
    url_path = root.url_path + "/".join(path_components) + "/"

    def find():
        page = Page.objects.filter(url_path=url_path).first()
        if page is None:
            return None
        page = page.specific
        if isinstance(page, PrivacyMixin):
            page.view_restricted = Page.get_view_restrictions(page).exists()
            page.load_for_views()
        return page

    # Kept in the cache until the next publish: every request gets its own copy of the page.
    page = content_version.shared(f"page-at:{url_path}", find)
    return page.route(request, []) if page is not None else None
