"""A database or cache that cannot be reached: what visitors see, and who is told.

PostgreSQL restarting or failing over and Redis restarting raise these, in any view or
middleware. Visitors get a 503 page with Retry-After (`coachhouse.views.server_error`, Django's
`handler500`). The log gets every one, Sentry too when it is set up; the coach's inbox does
not get one email per visitor: /readyz and the log say the site is down.
"""

import logging

from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

OUTAGES = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, OUTAGES)


class NotAnOutage(logging.Filter):
    """For the email to ADMINS: every server error but an outage."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and is_outage(record.exc_info[1]))
