"""Locust scenarios of the page benchmark: one task per page, chosen with --tags.

bench/pages.py runs it through harness.run_locust with BENCH_PAGES_CONFIG set; every answer
is checked (status and a marker in the page), so errors and redirects count as failures.
"""

import random

from locust import FastHttpUser, constant, tag, task
from scenarios import load_config, page_request, problem

CONFIG = load_config()


class Visitor(FastHttpUser):
    """A visitor who asks for the same kind of page again and again, without pause."""

    wait_time = constant(0)
    connection_timeout = 30.0
    network_timeout = 30.0

    def on_start(self):
        self.rng = random.Random()

    def visit(self, key: str) -> None:
        request = page_request(key, CONFIG, self.rng, self.host)
        with self.client.request(
            request.method,
            request.path,
            name=key,
            headers=request.headers,
            data=request.body,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            reason = problem(request, response.status_code, response.content or b"")
            if reason:
                response.failure(reason)
            else:
                response.success()

    @tag("floor")
    @task
    def floor(self):
        self.visit("floor")

    @tag("article")
    @task
    def article(self):
        self.visit("article")

    @tag("preview")
    @task
    def preview(self):
        self.visit("preview")

    @tag("home")
    @task
    def home(self):
        self.visit("home")

    @tag("course")
    @task
    def course(self):
        self.visit("course")

    @tag("lesson")
    @task
    def lesson(self):
        self.visit("lesson")

    @tag("complete")
    @task
    def complete(self):
        self.visit("complete")
