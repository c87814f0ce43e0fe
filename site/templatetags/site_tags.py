"""Navigation, footer and search-engine tags; the queries live here, not in templates."""

import json

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar

from coachhouse import content_version
from coachhouse.models import SiteSettings
from coachhouse.pages import site_for

register = template.Library()

USERBAR_SESSION_KEY = "may_use_admin"

# The characters json_script escapes, so JSON cannot close its <script> element early.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def link_target(value) -> dict:
    return {"label": value["label"], "href": value.href()}


@register.simple_tag(takes_context=True)
def page_href(context, page) -> str:
    """A page's URL as Wagtail's `{% pageurl %}` gives it, for the Site the request was routed
    to: kept with the page being viewed where it links there (coachhouse/pages.py), else
    built without looking that Site up again."""
    url = getattr(context.get("page"), "kept_urls", {}).get(page.pk)
    if url is not None:
        return url
    request = context.get("request")
    return page.get_url(request=request, current_site=site_for(request) if request else None)


@register.inclusion_tag("components/meta.html", takes_context=True)
def page_meta(context, og_type="website"):
    """The page's description, canonical URL and link-preview tags. Absolute URLs come from
    the Site record, never from the request's Host header."""
    request = context["request"]
    site = site_for(request)
    page = context["page"]
    return {
        "page": page,
        "url": getattr(page, "kept_full_url", None) or page.get_full_url(request),
        "og_type": og_type,
        "site_name": context.get("site_name"),
        "root_url": site.root_url if site else "",
        "request": request,
    }


@register.simple_tag(takes_context=True)
def site_chrome(context) -> dict:
    """The header's and footer's words and links, the same for every reader of the site:
    kept with the content version, read once for both (base.html)."""
    request = context["request"]
    site = site_for(request)

    def load():
        settings = SiteSettings.for_request(request)
        return {
            "header_links": [link_target(block.value) for block in settings.header_links],
            "tagline": settings.tagline,
            "footer_text": settings.footer_text,
            "footer_links": [link_target(block.value) for block in settings.footer_links],
        }

    return content_version.shared(chrome_name(site), load, request=request)


def chrome_name(site) -> str:
    """The name the header's and footer's words and links are kept under, for a Site."""
    return f"site-chrome:{site.pk if site else None}"


@register.simple_tag(takes_context=True)
def editor_userbar(context, position="bottom-right"):
    """Wagtail's userbar, for people who may use the admin. Wagtail asks Django's permission
    check on every page (two queries for a learner); its answer is kept in the session, so a
    learner pays for it once, and an editor given the permission sees the userbar from their
    next sign-in. The admin itself checks permissions on every request."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    may_edit = request.session.get(USERBAR_SESSION_KEY)
    if may_edit is None:
        may_edit = request.session[USERBAR_SESSION_KEY] = request.user.has_perm(
            "wagtailadmin.access_admin"
        )
    return wagtailuserbar(context, position) if may_edit else ""


@register.inclusion_tag("components/site_header.html", takes_context=True)
def site_header(context, chrome):
    """The header: the site's links, and the reader's own when signed in."""
    request = context["request"]
    dashboard_url = reverse("accounts:dashboard")
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "signed_in": request.user.is_authenticated,
        "site_name": context.get("site_name") or "Coachhouse",
        "dashboard_url": dashboard_url,
        "links": chrome["header_links"],
        "current_path": request.path,
    }


@register.inclusion_tag("components/site_footer.html", takes_context=True)
def site_footer(context, chrome):
    """The footer, the same for every reader."""
    return {
        "site_name": context.get("site_name") or "Coachhouse",
        "tagline": chrome["tagline"],
        "footer_text": chrome["footer_text"],
        "links": chrome["footer_links"],
    }


@register.simple_tag
def json_ld(data: dict):
    """Render structured data as an inert `application/ld+json` script element."""
    payload = json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    # Safe: the JSON has <, > and & escaped (as json_script does), so it cannot end the element.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308 # nosec B308 # escaped above
