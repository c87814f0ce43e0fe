"""Running calls at the same moment, for the PostgreSQL concurrency tests."""

import threading
from collections.abc import Callable

from django.db import connection

TIMEOUT = 60


def run_together(calls: list[Callable], *, timeout: float = TIMEOUT) -> list:
    """Run each call in its own thread, all released at once; their results, in call order.

    Each thread connects to the database before the barrier, so the calls really start
    together, and closes its connection at the end. The first error raised by any call is
    raised here, in the test's thread.
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def work(index: int, call: Callable) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=timeout)
            results[index] = call()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(index, call), daemon=True)
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * 2)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    if errors:
        raise errors[0]
    return results
