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
        header_links = [link_target(block.value) for block in settings.header_links]
        return {
            "tagline": settings.tagline,
            "footer_text": settings.footer_text,
            "header_links": header_links,
            "footer_links": [link_target(block.value) for block in settings.footer_links],
            # The pages the header marks as the current one when the reader is on them.
            "header_paths": {link["href"] for link in header_links}
            | {reverse("accounts:dashboard")},
        }

    site = Site.find_for_request(request)
    site_id = site.pk if site else None
    return {"site_id": site_id, **caching.kept(("chrome", site_id), load, request=request)}


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


@register.simple_tag(takes_context=True)
def site_header(context):
    """The header: the site's links, and the reader's own when signed in.

    The same for every reader in the same state (signed in or not) on pages it marks alike,
    so rendered once for each in this process and kept (coachhouse/caching.py); the sign-out
    form's CSRF token is put in for each request.
    """
    request = context["request"]
    chrome = site_chrome(request)
    signed_in = request.user.is_authenticated
    current_path = request.path if request.path in chrome["header_paths"] else None
    site_name = context.get("site_name") or "Coachhouse"

    def render():
        return render_to_string(
            "components/site_header.html",
            {
                "signed_in": signed_in,
                "site_name": site_name,
                "dashboard_url": reverse("accounts:dashboard"),
                "links": chrome["header_links"],
                "current_path": current_path,
                "csrf_token": caching.CSRF_HOLE,
            },
        )

    parts = ("header", chrome["site_id"], site_name, signed_in, current_path)
    html = caching.with_csrf_token(caching.kept(parts, render, request=request), request)
    return mark_safe(html)  # noqa: S308 # nosec B308 # a rendered template and a token


@register.simple_tag(takes_context=True)
def site_footer(context):
    """The footer: the same for every reader, so rendered once and kept, like the header."""
    request = context["request"]
    chrome = site_chrome(request)
    site_name = context.get("site_name") or "Coachhouse"

    def render():
        return render_to_string(
            "components/site_footer.html",
            {
                "tagline": chrome["tagline"],
                "footer_text": chrome["footer_text"],
                "links": chrome["footer_links"],
                "site_name": site_name,
            },
        )

    html = caching.kept(("footer", chrome["site_id"], site_name), render, request=request)
    return mark_safe(html)  # noqa: S308 # nosec B308 # a rendered template


@register.tag("kept")
def do_kept(parser, token):
    """`{% kept "name" vary_on... %}...{% endkept %}`: markup the same for every reader.

    Like Django's `{% cache %}`, but kept in this process for the content generation
    (coachhouse/caching.py), so a publish refreshes it at once and a page view pays no round
    trip. What is inside must depend only on the content and on the values it varies on,
    never on the reader: no user, no form, no message. A preview renders it afresh.
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} needs a name.")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, [parser.compile_filter(bit) for bit in bits[1:]])


class KeptNode(template.Node):
    def __init__(self, nodelist, parts):
        self.nodelist = nodelist
        self.parts = parts

    def render(self, context):
        request = context.get("request")
        if request is None or getattr(request, "is_preview", False):
            return self.nodelist.render(context)
        values = tuple(part.resolve(context) for part in self.parts)
        parts = ("kept-block", request.get_host(), *values)
        return caching.kept(parts, lambda: self.nodelist.render(context), request=request)


def link_target(value) -> dict:
    return {"label": value["label"], "href": value.href()}


@register.simple_tag
def json_ld(data: dict):
    """Render structured data as an inert `application/ld+json` script element."""
    payload = json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    # Safe: the JSON has <, > and & escaped (as json_script does), so it cannot end the element.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308 # nosec B308 # escaped above
