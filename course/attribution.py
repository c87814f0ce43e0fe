"""Where a new learner came from, read from the start link and the page that linked to it."""

from urllib.parse import parse_qs, urlsplit

from wagtail.models import Page

from course.services import UTM_FIELDS, EnrolmentSource


def source_from_request(request, params) -> EnrolmentSource:
    """The source page (`?source=<page id>`, a live page on this site) and UTM tags.

    UTM tags come from the start link itself or, failing that, from the query string of the
    on-site page that linked to it (the article a campaign pointed at). Anything off-site or
    malformed is ignored rather than trusted.
    """
    page = None
    source_id = str(params.get("source", ""))
    if source_id.isascii() and source_id.isdecimal() and len(source_id) < 12:
        page = Page.objects.live().filter(pk=int(source_id)).first()
    utm = {key: _tag(params[key]) for key in UTM_FIELDS if params.get(key)}
    utm = {key: value for key, value in utm.items() if value}
    if not utm:
        utm = _utm_from_referer(request)
    return EnrolmentSource(page=page, utm=utm)


def source_to_params(source: EnrolmentSource) -> dict[str, str]:
    params = dict(source.utm or {})
    if source.page:
        params["source"] = str(source.page.pk)
    return params


def _utm_from_referer(request) -> dict[str, str]:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.get_host():
        return {}
    query = parse_qs(referer.query)
    utm = {key: _tag(query[key][-1]) for key in UTM_FIELDS if query.get(key)}
    return {key: value for key, value in utm.items() if value}


def _tag(value) -> str:
    """A campaign tag as stored: printable characters only (no NUL), at most 100."""
    return "".join(char for char in str(value) if char.isprintable())[:100]
