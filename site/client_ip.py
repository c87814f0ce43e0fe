"""The visitor's IP address, for rate limits: never taken from a header a visitor can forge."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR; or, behind TRUSTED_PROXY_COUNT reverse proxies, the X-Forwarded-For entry
    the outermost trusted proxy added (entries further left are the visitor's to invent)."""
    count = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    if count:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")
        forwarded = [address.strip() for address in forwarded if address.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
