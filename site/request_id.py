"""A request id on every response and on every log line written while answering it.

The id comes from the proxy or load balancer in front (`X-Request-ID`, as nginx, Caddy and
most PaaS routers set it) when it looks like one, or is made here; it is sent back in
`X-Request-ID`, where gunicorn's access log picks it up (gunicorn.conf.py), so the access
line and any error logged for the same request can be found together. It lives in a context
variable: each request (each thread, under runserver) sees only its own.
"""

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
# What an id from upstream may look like: no spaces, quotes or newlines to forge log lines.
VALID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

current = contextvars.ContextVar("request_id", default="-")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if VALID.fullmatch(given) else uuid.uuid4().hex
        token = current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Gives every log record the id of the request being answered ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True
