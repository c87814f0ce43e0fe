"""Navigation, footer and search-engine tags; the queries live here, not in templates."""

import json

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from coachhouse.models import SiteSettings

register = template.Library()

# The characters json_script escapes, so JSON cannot close its <script> element early.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.inclusion_tag("components/site_header.html", takes_context=True)
def site_header(context):
    request = context["request"]
    settings = SiteSettings.for_request(request)
    return {
        "request": request,
        "user": request.user,
        "settings": settings,
        "dashboard_url": reverse("accounts:dashboard"),
        "links": [link_target(block.value) for block in settings.header_links],
        "current_path": request.path,
    }


@register.inclusion_tag("components/site_footer.html", takes_context=True)
def site_footer(context):
    request = context["request"]
    settings = SiteSettings.for_request(request)
    return {
        "settings": settings,
        "links": [link_target(block.value) for block in settings.footer_links],
        "site_name": context.get("site_name") or "Coachhouse",
    }


def link_target(value) -> dict:
    page = value.get("page")
    return {"label": value["label"], "href": page.url if page else value.get("url")}


@register.simple_tag
def json_ld(data: dict):
    """Render structured data as an inert `application/ld+json` script element."""
    payload = json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308
