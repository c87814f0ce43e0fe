"""What every page type of the site shares: how it is routed, and what its views read."""

import functools

from django.http.request import split_domain_port
from wagtail.models import Page, PageViewRestriction, Site, get_page_models

from coachhouse import content_version


class PrivacyMixin:
    """For every page type of the site: what its views read, kept with the page."""

    # Whether any privacy rule applies to the page: read when `kept_route` keeps the page, or once
    # per content version (a change of privacy starts a new one).
    view_restricted = None
    # Its own full URL and, by page id, the URLs of the pages its views link to (itself
    # included, see `linked_pages`), for the Site it was routed on: found when `kept_route`
    # keeps the page, so a view does not build them again.
    kept_full_url = None
    kept_urls: dict = {}

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

    def linked_pages(self) -> list:
        """The pages every view of the page links to, besides itself."""
        return []


@functools.cache
def stock_routing() -> bool:
    """Whether every page type routes as Wagtail's `Page` does: then what a path leads to
    depends on the pages alone, never on the request, and can be kept (see `kept_route`)."""
    return all(model.route is Page.route for model in get_page_models())


def kept_route(request, path):
    """The Site and the page a request's path leads to, as Wagtail's page view finds them,
    kept in the cache for the content version; None where that cannot be kept.

    On every request Wagtail finds the request's Site (a query built from five conditions),
    the root page's own row, and walks down the tree, two queries a level. Here that walk is
    Wagtail's own (`Page.route_for_request`), done once per content version for each host,
    port and path, and what it found (the Site, and the page with what its views read, see
    `load_for_views`) is kept; each request unpickles its own copies. A publish, a move, a
    change of privacy or of a Site starts a new version. Paths that lead nowhere, or past a
    page type that routes on its own (a RoutablePageMixin, say), are not kept.
    """
    # The port is the server's (or the proxy's X-Forwarded-Port), never the Host header's,
    # and the host name passed ALLOWED_HOSTS: a bounded set of keys.
    hostname = split_domain_port(request.get_host())[0]
    components = "/".join(component for component in path.split("/") if component)

    def find():
        if not stock_routing():
            return None
        route = Page.route_for_request(request, path)
        if route is None or route.args or route.kwargs:
            return None
        page = route.page
        if not isinstance(page, PrivacyMixin):
            return None
        page.view_restricted = Page.get_view_restrictions(page).exists()
        page.load_for_views()
        page.kept_full_url = page.get_full_url(request)
        page.kept_urls = {
            linked.pk: linked.get_url(request) for linked in [page, *page.linked_pages()]
        }
        return Site.find_for_request(request), page

    return content_version.shared(f"route:{hostname}:{request.get_port()}:{components}", find)


def site_for(request) -> Site | None:
    """The request's Wagtail Site: the one its page was served for (`routed_site`, set by
    coachhouse.views.serve), else Wagtail's lookup."""
    return getattr(request, "routed_site", None) or Site.find_for_request(request)
