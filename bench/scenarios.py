"""The requests of the page benchmark, shared by its locustfile and its warm-up.

bench/pages.py writes a JSON config (page paths, the marker each answer must contain, the
seeded learners' session keys); `page_request` turns one page of it into a request. The
site runs with production settings behind an imaginary HTTPS proxy, so every request says
`X-Forwarded-Proto: https`, and the learner's cookies (Secure in production) are sent as a
header rather than kept by the HTTP client.
"""

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

CONFIG_VARIABLE = "BENCH_PAGES_CONFIG"
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


@dataclass(frozen=True)
class PageRequest:
    method: str
    path: str
    headers: dict
    body: str | None
    status: int
    marker: str


def load_config() -> dict:
    return json.loads(Path(os.environ[CONFIG_VARIABLE]).read_text())


def _learner_headers(config: dict, learner: dict) -> dict:
    session = f"{config['session_cookie']}={learner['session']}"
    csrf = f"{config['csrf_cookie']}={learner['csrf']}"
    return {**PROXY_HEADERS, "Cookie": f"{session}; {csrf}"}


def page_request(key: str, config: dict, rng: random.Random, origin: str) -> PageRequest:
    """The next request for page `key`; learners and lessons are picked at random."""
    page = config["pages"][key]
    if key == "lesson":
        learner = rng.choice(config["learners"])
        lesson = rng.choice(config["lessons"])
        return PageRequest(
            "GET", lesson["path"], _learner_headers(config, learner), None, 200, page["marker"]
        )
    if key == "complete":
        # What lesson.js sends: a form post answered with JSON. CSRF as a browser on HTTPS
        # passes it: the cookie, the token in X-CSRFToken, and a same-origin Origin/Referer.
        learner = rng.choice(config["learners"])
        lesson = rng.choice(config["lessons"])
        https_origin = origin.replace("http://", "https://", 1)
        headers = {
            **_learner_headers(config, learner),
            "X-CSRFToken": learner["csrf"],
            "Origin": https_origin,
            "Referer": https_origin + lesson["path"],
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        path = page["path"].format(lesson_id=lesson["id"])
        return PageRequest("POST", path, headers, "action=complete", 200, page["marker"])
    return PageRequest("GET", page["path"], dict(PROXY_HEADERS), None, 200, page["marker"])


def problem(request: PageRequest, status: int, body: bytes) -> str | None:
    """Why an answer is not the page asked for (wrong status, marker missing), or None."""
    if status != request.status:
        return f"status {status} (expected {request.status})"
    if request.marker.encode() not in body:
        return f"status {status} but the page lacks {request.marker!r}"
    return None
