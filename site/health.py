"""Health checks for process managers and load balancers, answered before anything else.

`/healthz`: the process is up and answering; nothing else is touched, so a process manager
restarts only a process that is stuck. `/readyz`: the database, the cache and the media
storage each answer, for a load balancer deciding whether to send this server visitors: 503
naming what does not answer (the reason goes to the log, not to whoever asked).

The middleware sits first, so both work over plain HTTP and with whatever Host the balancer
sends (ALLOWED_HOSTS and the HTTPS redirect are for visitors), and touch no session.
"""

import logging
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def database() -> None:
    ContentType.objects.order_by().values_list("pk").first()


def cache_server() -> None:
    probe = uuid.uuid4().hex
    cache.set("readyz", probe, timeout=10)
    if cache.get("readyz") != probe:
        raise RuntimeError("the cache did not give back what was just stored")


def storage() -> None:
    default_storage.exists("readyz")


CHECKS = {"database": database, "cache": cache_server, "storage": storage}


def readiness() -> dict[str, str]:
    """Each component's state: "ok" or "unavailable"."""
    states = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.exception("readyz: the %s does not answer", name)
            states[name] = "unavailable"
        else:
            states[name] = "ok"
    return states


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path.rstrip("/")
        if path == "/healthz":
            return no_store(JsonResponse({"status": "ok"}))
        if path == "/readyz":
            states = readiness()
            ready = all(state == "ok" for state in states.values())
            return no_store(JsonResponse(states, status=200 if ready else 503))
        return self.get_response(request)


def no_store(response):
    response["Cache-Control"] = "no-store"
    return response
