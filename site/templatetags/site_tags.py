"""Navigation, footer and search-engine tags; the queries live here, not in templates."""

import json

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar
from wagtail.models import Site

from coachhouse import caching
from coachhouse.models import SiteSettings

register = template.Library()

# The characters json_script escapes, so JSON cannot close its <script> element early.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def site_chrome(request) -> dict:
    """The header's and footer's words and links, shared until the content changes."""

    def load():
        settings = SiteSettings.for_request(request)
        return {
            "tagline": settings.tagline,
            "footer_text": settings.footer_text,
            "header_links": [link_target(block.value) for block in settings.header_links],
            "footer_links": [link_target(block.value) for block in settings.footer_links],
        }

    site = Site.find_for_request(request)
    return caching.kept(("chrome", site.pk if site else None), load, request=request)


@register.simple_tag(takes_context=True)
def page_meta(context, og_type="website"):
    """The page's description, canonical URL and link-preview tags (components/meta.html).

    The same for every reader of the page, so rendered once per page and content generation
    in this process and kept (coachhouse/caching.py); a preview is rendered afresh.
    """
    request, page = context["request"], context["page"]

    def render():
        return render_to_string(
            "components/meta.html",
            {
                "page": page,
                "og_type": og_type,
                "site_name": context.get("site_name"),
                "request": request,
            },
        )

    if getattr(request, "is_preview", False):
        return render()
    parts = ("meta", request.scheme, request.get_host(), page.pk, og_type)
    return caching.kept(parts, render, request=request)


@register.simple_tag(takes_context=True)
def editor_userbar(context, position="bottom-right"):
    """Wagtail's userbar (edit this page, and so on) for those who may use the admin."""
    request = context.get("request")
    if request is None or not caching.may_use_admin(request.user, request=request):
        return ""
    return wagtailuserbar(context, position)


@register.inclusion_tag("components/site_header.html", takes_context=True)
def site_header(context):
    request = context["request"]
    return {
        "user": request.user,
        "site_name": context.get("site_name") or "Coachhouse",
        "dashboard_url": reverse("accounts:dashboard"),
        "links": site_chrome(request)["header_links"],
        "current_path": request.path,
    }


@register.inclusion_tag("components/site_footer.html", takes_context=True)
def site_footer(context):
    chrome = site_chrome(context["request"])
    return {
        "tagline": chrome["tagline"],
        "footer_text": chrome["footer_text"],
        "links": chrome["footer_links"],
        "site_name": context.get("site_name") or "Coachhouse",
    }


def link_target(value) -> dict:
    return {"label": value["label"], "href": value.href()}


@register.simple_tag
def json_ld(data: dict):
    """Render structured data as an inert `application/ld+json` script element."""
    payload = json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    # Safe: the JSON has <, > and & escaped (as json_script does), so it cannot end the element.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308 # nosec B308 # escaped above
