"""Several app servers: two gunicorns behind nginx (round robin), one task worker, PostgreSQL,
Redis and an S3 server, with the production settings (tests/cluster/harness.py).

What a visitor, a learner and the editor notice when their requests land on either server,
and when one server dies under load. Each test writes its figures to the run's summary.
"""

import io
import itertools
import json
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from coaching.views import JOIN_RATE_PER_IP
from tests.cluster.harness import (
    SIGN_IN_CODE,
    Visitor,
    admin_publish,
    admin_upload_image,
    form_data,
    rich_text_block,
    with_values,
)

pytestmark = pytest.mark.cluster

REQUESTS_AFTER_PUBLISH = 20
LOAD_SECONDS = 60
KILL_AT_SECONDS = 20
LEARNERS = 120


@dataclass(frozen=True)
class Lesson:
    id: int
    url: str
    title: str


@dataclass(frozen=True)
class Pages:
    course_id: int
    lessons: list[Lesson]
    article_id: int
    article_url: str
    waitlist_url: str


@pytest.fixture(scope="module")
def pages(cluster) -> Pages:
    """Where the demo content is, from the cluster's database."""
    [(root,)] = cluster.query(
        "SELECT p.url_path FROM wagtailcore_site s "
        "JOIN wagtailcore_page p ON p.id = s.root_page_id WHERE s.is_default_site"
    )

    def url(url_path: str) -> str:
        return "/" + url_path.removeprefix(root)

    def pages_of(model: str) -> list[tuple]:
        app_label, name = model.split(".")
        return cluster.query(
            "SELECT p.id, p.url_path, p.title FROM wagtailcore_page p "
            "JOIN django_content_type c ON c.id = p.content_type_id "
            "WHERE c.app_label = %s AND c.model = %s AND p.live ORDER BY p.path",
            (app_label, name),
        )

    [(course_id, _, _)] = pages_of("course.coursepage")
    (article_id, article_path, _), *_ = pages_of("coachhouse.articlepage")
    [(_, waitlist_path, _)] = pages_of("coaching.waitlistpage")
    return Pages(
        course_id=course_id,
        lessons=[
            Lesson(pk, url(path), title) for pk, path, title in pages_of("lessons.lessonpage")
        ],
        article_id=article_id,
        article_url=url(article_path),
        waitlist_url=url(waitlist_path),
    )


@pytest.fixture(scope="module")
def editor(cluster):
    """The demo editor, signed in to the admin on server A."""
    return cluster.editor_on(cluster.a)


def served_by(cluster, response) -> str:
    """ "A" or "B": the server that answered, as nginx reports it (the last one it tried)."""
    last = response.upstream.split(",")[-1].strip()
    return {f"127.0.0.1:{cluster.port_a}": "A", f"127.0.0.1:{cluster.port_b}": "B"}.get(last, "?")


def words(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# Publishing -----------------------------------------------------------------------------------


def test_a_lesson_published_through_server_a_is_what_every_request_through_the_balancer_shows_next(
    cluster, pages, editor, report
):
    lesson = pages.lessons[0]  # a free preview: anonymous visitors read all of it
    learner = cluster.sign_up_for_course(
        cluster.balancer, pages.course_id, f"reader-{secrets.token_hex(3)}@cluster.test"
    )
    # Both servers have served the lesson as it was, and kept what they could of it: the
    # anonymous page whole (X-Cache: hit), the signed-in page's shared parts.
    before = [Visitor().get(cluster.balancer + lesson.url) for _ in range(4)]
    before += [learner.get(cluster.balancer + lesson.url) for _ in range(4)]
    assert all(r.status == 200 and lesson.title in r.text for r in before)
    assert {served_by(cluster, r) for r in before} == {"A", "B"}
    assert {served_by(cluster, r) for r in before if r.header("X-Cache") == "hit"} == {"A", "B"}

    token = secrets.token_hex(4)
    admin_publish(
        editor,
        cluster.a,
        lesson.id,
        {"title": f"{lesson.title}, revised {token}"},
        [rich_text_block(f"<p>Revised on server A: {token}.</p>")],
    )

    anonymous = [
        Visitor().get(cluster.balancer + lesson.url) for _ in range(REQUESTS_AFTER_PUBLISH)
    ]
    signed_in = [learner.get(cluster.balancer + lesson.url) for _ in range(REQUESTS_AFTER_PUBLISH)]

    def stale(responses) -> list:
        return [
            r for r in responses if r.status != 200 or f"Revised on server A: {token}" not in r.text
        ]

    for name, responses in (("anonymous", anonymous), ("signed in", signed_in)):
        servers = Counter(served_by(cluster, r) for r in responses)
        cache = Counter(r.header("X-Cache", "none") for r in responses)
        report(
            f"{name}: {len(responses)} requests through the balancer after the publish "
            f"(A {servers['A']}, B {servers['B']}; X-Cache {dict(sorted(cache.items()))}), "
            f"{len(stale(responses))} stale"
        )
    assert not stale(anonymous)
    assert not stale(signed_in)
    assert {served_by(cluster, r) for r in anonymous} == {"A", "B"}
    assert {served_by(cluster, r) for r in signed_in} == {"A", "B"}


# Images ---------------------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    picture = Image.new("RGB", (width, height), (40, 110, 90))
    picture.paste((230, 170, 60), (width // 4, height // 4, width // 2, height // 2))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_an_image_uploaded_through_server_a_renders_with_its_renditions_through_server_b(
    cluster, pages, editor, report
):
    token = secrets.token_hex(4)
    filename = f"cluster-{token}.png"
    description = "Teal field with an amber square"
    admin_upload_image(
        editor,
        cluster.a,
        title=f"Cluster upload {token}",
        description=description,
        filename=filename,
        content=png(640, 400),
    )
    [(image_id,)] = cluster.query(
        "SELECT id FROM wagtailimages_image WHERE title = %s", [f"Cluster upload {token}"]
    )
    # The article's picture, and the same image in its text.
    admin_publish(
        editor,
        cluster.a,
        pages.article_id,
        {"image": str(image_id)},
        [
            rich_text_block(f"<p>Pictured below: {token}.</p>"),
            ("image", {"image": str(image_id), "caption": f"Caption {token}"}),
        ],
    )

    page = Visitor().get(cluster.b + pages.article_url)

    assert page.status == 200
    assert f"Pictured below: {token}" in page.text
    images = [
        img
        for img in BeautifulSoup(page.text, "html.parser").find_all("img")
        if f"cluster-{token}" in img["src"]
    ]
    assert len(images) == 2, "the article's picture and the image block"
    allowed = re.search(r"img-src ([^;]+)", page.header("Content-Security-Policy")).group(1)
    in_bucket = {key.rsplit("/", 1)[-1] for key in cluster.s3.keys(cluster.bucket)}
    fetched = []
    for img in images:
        src = img["src"]
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(src))
        rendition = Visitor().get(src)
        fetched.append(rendition)
        assert img["alt"] == description
        assert origin in allowed.split(), f"the page's CSP (img-src {allowed}) blocks {origin}"
        assert rendition.status == 200, f"{src} answered {rendition.status}"
        assert rendition.header("Content-Type") == "image/png"
        size = Image.open(io.BytesIO(rendition.body)).size
        assert size == (int(img["width"]), int(img["height"]))
        assert src.rsplit("/", 1)[-1] in in_bucket, f"{src} is not in the media bucket"
    report(
        f"uploaded through A; the article through B (X-Cache {page.header('X-Cache')}) shows "
        f"{len(images)} renditions: "
        + ", ".join(
            f"{img['src'].rsplit('/', 1)[-1]} {r.status} {len(r.body)} bytes"
            for img, r in zip(images, fetched, strict=True)
        )
    )


# Sessions and rate limits ---------------------------------------------------------------------


def test_a_learner_signed_in_through_server_a_stays_signed_in_through_server_b(
    cluster, pages, report
):
    email = f"learner-{secrets.token_hex(3)}@cluster.test"
    learner = cluster.sign_up_for_course(cluster.a, pages.course_id, email)
    lesson = pages.lessons[1]  # not a free preview: only enrolled learners read it

    dashboard = learner.get(cluster.b + "/my/")
    page = learner.get(cluster.b + lesson.url)
    done = learner.post(
        f"{cluster.b}/learn/lessons/{lesson.id}/progress/",
        {"action": "complete"},
        headers={"Accept": "application/json", "X-CSRFToken": learner.csrf_token},
    )
    back_on_a = learner.get(cluster.a + "/my/")

    assert dashboard.status == 200, f"B sent the learner to {dashboard.location}"
    assert "My courses" in words(dashboard)
    assert page.status == 200 and "Mark complete" in words(page)
    assert done.status == 200 and json.loads(done.body)["completed"] is True
    assert back_on_a.status == 200 and "My courses" in words(back_on_a)
    [(completed,)] = cluster.query(
        "SELECT count(*) FROM course_lessonprogress p JOIN accounts_user u ON u.id = p.user_id "
        "WHERE u.email = %s AND p.lesson_id = %s AND p.completed_at IS NOT NULL",
        [email, lesson.id],
    )
    assert completed == 1
    report("signed in on A; B showed the dashboard and the lesson, and took Mark complete")


def join_the_wait_list(pages, servers: list[str], count: int) -> list[int]:
    """One visitor (one address) joins the wait list `count` times with new addresses,
    sending each form to the next server in turn; the statuses they got."""
    visitor = Visitor()
    token = secrets.token_hex(3)
    statuses = []
    for number, base in zip(range(count), itertools.cycle(servers), strict=False):
        form = visitor.get(base + pages.waitlist_url)
        _, fields = form_data(form.text, selector="form:has(input[name=email])")
        answer = visitor.post(
            base + pages.waitlist_url,
            with_values(
                fields,
                {
                    "name": f"Visitor {number}",
                    "email": f"limit-{token}-{number}@cluster.test",
                    "job_search_stage": "applying",
                    "goals": "A plan for my next role.",
                },
            ),
        )
        if answer.status == 429:
            assert "a lot of sign-ups from here" in words(answer)
        statuses.append(answer.status)
    return statuses


def test_the_wait_list_limit_counts_joins_sent_to_both_servers_as_one(cluster, pages, report):
    allowed = int(JOIN_RATE_PER_IP.split("/")[0])

    one_server = join_the_wait_list(pages, [cluster.a], allowed + 2)
    both_servers = join_the_wait_list(pages, [cluster.a, cluster.b], allowed + 2)

    report(
        f"from one address: refused from join {one_server.index(429) + 1} on A alone, "
        f"from join {both_servers.index(429) + 1} alternating A and B (limit {JOIN_RATE_PER_IP})"
    )
    assert one_server == [302] * allowed + [429, 429]
    assert both_servers == one_server


# Server A dies under load ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str
    key: object
    started: float
    finished: float
    status: int  # 0: the connection failed or closed without an answer
    acknowledged: bool
    server: str
    passed_on: bool = False  # nginx tried A, which did not answer, then B

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500


class Load:
    """Visitors doing what people do, at once, through the balancer; every answer logged."""

    def __init__(self, cluster, pages, learners: list[tuple[str, Visitor]]):
        self.cluster, self.pages = cluster, pages
        self.base = cluster.balancer
        self.tag = secrets.token_hex(3)
        self.log: list[Outcome] = []
        self.numbers = itertools.count(1)
        self.stop = threading.Event()
        self.errors: list[str] = []  # what went wrong in the visitors' own code
        # Each learner goes through the course lesson by lesson; each thread has learners of
        # its own, since a visitor's cookies are not shared between threads.
        self.clicks = [
            itertools.cycle(
                [(email, visitor, lesson) for email, visitor in half for lesson in pages.lessons]
            )
            for half in (learners[0::2], learners[1::2])
        ]

    def send(self, kind: str, key, call, acknowledged=lambda r: r.status == 200):
        started = time.time()
        try:
            response = call()
        except (OSError, HTTPException):
            self.log.append(Outcome(kind, key, started, time.time(), 0, False, "?"))
            return None
        self.log.append(
            Outcome(
                kind,
                key,
                started,
                response.finished,
                response.status,
                acknowledged(response),
                served_by(self.cluster, response),
                passed_on="," in response.upstream,
            )
        )
        return response

    def sign_up(self) -> None:
        email = f"signup{next(self.numbers)}-{self.tag}@load.cluster.test"
        visitor = Visitor()
        form = self.send(
            "sign-up form", email, lambda: visitor.get(self.base + "/accounts/signup/")
        )
        if form is None or form.status != 200:
            return
        _, fields = form_data(form.text, selector="form:has(input[name=email])")
        self.send(
            "sign-up",
            email,
            lambda: visitor.post(
                self.base + "/accounts/signup/", with_values(fields, {"email": email})
            ),
            acknowledged=lambda r: r.status == 302 and "/login/code/confirm/" in r.location,
        )

    def mark_complete(self, clicks) -> None:
        email, visitor, lesson = next(clicks)
        page = self.send("lesson page", lesson.id, lambda: visitor.get(self.base + lesson.url))
        if page is None or page.status != 200:
            return
        self.send(
            "Mark complete",
            (email, lesson.id),
            lambda: visitor.post(
                f"{self.base}/learn/lessons/{lesson.id}/progress/",
                {"action": "complete"},
                headers={"Accept": "application/json", "X-CSRFToken": visitor.csrf_token},
            ),
            acknowledged=lambda r: r.status == 200 and json.loads(r.body)["completed"] is True,
        )

    def join(self) -> None:
        email = f"join{next(self.numbers)}-{self.tag}@load.cluster.test"
        visitor = Visitor()
        url = self.base + self.pages.waitlist_url
        form = self.send("wait-list form", email, lambda: visitor.get(url))
        if form is None or form.status != 200:
            return
        _, fields = form_data(form.text, selector="form:has(input[name=email])")
        details = {
            "name": "Load visitor",
            "email": email,
            "job_search_stage": "applying",
            "goals": "A plan for my next role.",
        }
        self.send(
            "wait-list join",
            email,
            lambda: visitor.post(url, with_values(fields, details)),
            acknowledged=lambda r: r.status == 302 and "joined=1" in r.location,
        )

    def read(self) -> None:
        path = [self.pages.article_url, self.pages.lessons[0].url, "/"][next(self.numbers) % 3]
        self.send("reading", path, lambda: Visitor().get(self.base + path))

    def run(self, seconds: float, *, kill_at: float) -> float:
        """The load for `seconds`, server A killed `kill_at` seconds in; when its port closed."""
        actions = [
            self.sign_up,
            self.sign_up,
            lambda: self.mark_complete(self.clicks[0]),
            lambda: self.mark_complete(self.clicks[1]),
            self.join,
            self.join,
            self.read,
        ]

        def repeat(action):
            while not self.stop.is_set():
                try:
                    action()
                except Exception as error:  # noqa: BLE001 - reported by the test
                    self.errors.append(repr(error))
                self.stop.wait(0.1)

        threads = [threading.Thread(target=repeat, args=(action,)) for action in actions]
        self.began = time.time()
        for thread in threads:
            thread.start()
        try:
            self.stop.wait(kill_at)
            closed_at = self.cluster.kill_a()
            self.stop.wait(self.began + seconds - time.time())
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)
        self.ended = time.time()
        return closed_at

    def acknowledged(self, kind: str) -> set:
        return {o.key for o in self.log if o.kind == kind and o.acknowledged}


def test_server_a_killed_under_a_minute_of_mixed_load_loses_no_acknowledged_work(
    cluster, pages, report
):
    tag = secrets.token_hex(3)
    learners = cluster.seed_learners(tag, LEARNERS)
    load = Load(cluster, pages, learners)
    sent_before, cut_off_before = len(cluster.sink.messages), cluster.sink.cut_off

    try:
        closed_at = load.run(LOAD_SECONDS, kill_at=KILL_AT_SECONDS)
    finally:
        cluster.restart_a()
    tasks_left = cluster.wait_for_tasks(60)

    log = load.log
    failures = [o for o in log if o.failed]
    after = [o for o in log if o.started > closed_at]
    servers = Counter(o.server for o in log if not o.failed)
    signups = load.acknowledged("sign-up")
    signup_rows = {
        email
        for (email,) in cluster.query(
            "SELECT email FROM accounts_user WHERE email LIKE %s",
            [f"%-{load.tag}@load.cluster.test"],
        )
    }
    clicks = load.acknowledged("Mark complete")
    click_rows = set(
        cluster.query(
            "SELECT u.email, p.lesson_id FROM course_lessonprogress p "
            "JOIN accounts_user u ON u.id = p.user_id "
            "WHERE u.email LIKE %s AND p.completed_at IS NOT NULL",
            [f"%-{tag}@learners.cluster.test"],
        )
    )
    [(courses_completed,)] = cluster.query(
        "SELECT count(*) FROM course_enrolment e JOIN accounts_user u ON u.id = e.user_id "
        "WHERE u.email LIKE %s AND e.completed_at IS NOT NULL",
        [f"%-{tag}@learners.cluster.test"],
    )
    joins = load.acknowledged("wait-list join")
    join_rows = {
        email
        for (email,) in cluster.query(
            "SELECT email FROM coaching_waitlistentry WHERE email LIKE %s",
            [f"%-{load.tag}@load.cluster.test"],
        )
    }
    mail = cluster.sink.messages[sent_before:]
    # One email of each kind to each person; a sign-in code differs from one email to the next.
    deliveries = Counter(
        (recipient, SIGN_IN_CODE.sub("<code>", m.subject))
        for m in mail
        for recipient in m.recipients
    )
    twice = {key: count for key, count in deliveries.items() if count > 1}
    mailed = {recipient for m in mail for recipient in m.recipients}

    report(
        f"requests: {len(log)} in {load.ended - load.began:.0f} s from 7 visitors at once, "
        f"answered by A {servers['A']} and by B {servers['B']}"
    )
    report(
        f"A killed (SIGKILL, master and workers) {closed_at - load.began:.1f} s in: "
        f"{len(failures)} requests lost with it (sent before its port closed), "
        f"{sum(o.failed for o in after)} failed of the {len(after)} sent after; nginx passed "
        f"{sum(o.passed_on for o in log)} on from A to B"
    )
    for kind, acknowledged, rows in (
        ("sign-ups", signups, signup_rows),
        ("Mark complete (learner, lesson)", clicks, click_rows),
        ("wait-list joins", joins, join_rows),
    ):
        report(
            f"{kind}: {len(acknowledged)} acknowledged, {len(acknowledged & rows)} of them are "
            f"rows; {len(rows - acknowledged)} rows more, whose answer was lost with A"
        )
    report(f"courses completed by the {LEARNERS} learners: {courses_completed}")
    report(
        f"emails: {len(mail)} received by the mail server, {len(twice)} of them twice; "
        f"acknowledged sign-ups and joins without theirs: {len((signups | joins) - mailed)}; "
        f"{cluster.sink.cut_off - cut_off_before} cut off mid-message by A's death (sign-in "
        f"codes are sent during the request); tasks left: {tasks_left}"
    )

    assert not load.errors, load.errors[:5]
    # The balancer moved on: only requests sent before A's port closed failed, none after.
    assert all(o.started <= closed_at for o in failures), failures
    assert not [o for o in after if o.failed]
    assert servers["A"] and servers["B"]
    assert len(failures) <= 7, "at most one request in flight per visitor"
    # Every acknowledged sign-up, click and join is a row.
    assert signups and signups <= signup_rows
    assert clicks and clicks <= click_rows
    assert joins and joins <= join_rows
    # No email was sent twice, and every acknowledged sign-up and join got its own.
    assert tasks_left == 0
    assert not twice, twice
    assert (signups | joins) <= mailed
