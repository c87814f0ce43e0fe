"""Fills a scratch database fast: learners, enrolments and progress by bulk_create, and more
lessons for the demo course through Wagtail's page API. Import it after django.setup()."""

import contextlib
import copy
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.db import connections
from django.db.backends.signals import connection_created

from accounts.models import User
from course.models import CoursePage, Enrolment, LessonProgress
from lessons.models import LessonPage

BATCH = 5000
FIRST_NAMES = ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay"]


def _unsynced(sender=None, connection=None, **kwargs) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous = OFF")
        elif connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO OFF")


@contextlib.contextmanager
def unsynced_writes() -> Iterator[None]:
    """Commit without waiting for the disk while filling a scratch database (a crash could
    only lose scratch data). Connections are closed on the way out, so what follows, such as
    counting queries, runs on fresh ones with the usual settings."""
    connections.close_all()
    connection_created.connect(_unsynced)
    try:
        yield
    finally:
        connection_created.disconnect(_unsynced)
        connections.close_all()


def keep_default(number: int) -> float:
    """Share of learners who finish lesson `number` (from 0) after finishing the one before:
    ~78%, except the third lesson, where half give up."""
    return 0.5 if number == 2 else 0.78


def learners_create(*, count: int, rng: random.Random, now: datetime) -> dict[int, datetime]:
    """`count` learners with unusable passwords; returns each one's pk and date joined."""
    users = [
        User(
            email=f"learner{n}@example.com",
            first_name=rng.choice(FIRST_NAMES),
            last_name=f"Person{n}",
            password="!",  # noqa: S106 (an unusable password)
            date_joined=now - timedelta(days=rng.uniform(0, 120)),
        )
        for n in range(count)
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    return dict(
        User.objects.filter(is_staff=False, email__startswith="learner").values_list(
            "pk", "date_joined"
        )
    )


def enrolment_with_progress(
    *,
    user_id: int,
    course: CoursePage,
    lessons: list,
    enrolled_at: datetime,
    rng: random.Random,
    keep: Callable[[int], float] = keep_default,
    **fields,
) -> tuple[Enrolment, list[LessonProgress]]:
    """One enrolment (not saved) and its progress rows: lessons completed in order until the
    learner stops (see `keep`); 60% of those who stop have opened the next lesson."""
    done = 0
    for number in range(len(lessons)):
        if rng.random() > keep(number):
            break
        done += 1
    progress = []
    moment = enrolled_at
    for lesson in lessons[:done]:
        moment += timedelta(hours=rng.uniform(1, 72))
        progress.append(
            LessonProgress(
                user_id=user_id, lesson=lesson, completed_at=moment, last_visited_at=moment
            )
        )
    if done < len(lessons) and rng.random() < 0.6:
        progress.append(
            LessonProgress(user_id=user_id, lesson=lessons[done], last_visited_at=moment)
        )
    enrolment = Enrolment(
        user_id=user_id,
        course=course,
        enrolled_at=enrolled_at,
        completed_at=moment if done == len(lessons) else None,
        **fields,
    )
    return enrolment, progress


def enrolments_save(enrolments: list[Enrolment], progress: list[LessonProgress]) -> None:
    Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
    LessonProgress.objects.bulk_create(progress, batch_size=BATCH)


# Lessons 9 to 50 of the long demo course: titles and summaries in the course's voice; their
# bodies recombine the blocks of the eight demo lessons.
EXTRA_LESSONS = [
    ("Audit your last three jobs", "What each role gave you, what it cost you, and why."),
    ("Spot your transferable skills", "Find the skills that travel from one field to another."),
    ("Research a new field in a week", "A short, focused plan to learn how a field really works."),
    ("Talk to people who do the job", "Find and approach the people already doing the work."),
    ("Write your one-line pitch", "Say who you are and what you want in a single sentence."),
    ("Turn results into stories", "Give every achievement a situation, an action and a result."),
    ("Find your target companies", "Build a short list of employers you would love to join."),
    ("Warm up cold contacts", "Reach out to people you have not spoken to in years."),
    ("Ask for introductions", "Make it easy for someone to introduce you, and to say yes."),
    ("Follow up without nagging", "Keep conversations alive with notes people are glad to get."),
    ("Keep a networking log", "Track who you met, what you learned and what comes next."),
    ("Use LinkedIn with purpose", "Post, comment and connect in ways that lead to conversations."),
    ("Rewrite your headline", "A profile headline that says what you do and what you want."),
    ("Tailor your CV in twenty minutes", "Adapt your CV to each role without starting over."),
    ("Write a cover letter people read", "Three short paragraphs that open a conversation."),
    (
        "Read a job description closely",
        "Learn what a posting really asks for, and what it does not.",
    ),
    ("Plan your job search week", "A weekly rhythm that balances applying, meeting and resting."),
    ("Set goals you control", "Measure the actions you take, not the answers you wait for."),
    ("Prepare for the phone screen", "Get through the first call with clarity and warmth."),
    ("Answer “tell me about yourself”", "Turn the opening question into your best minute."),
    ("Handle the gap in your CV", "Speak about time away from work calmly and briefly."),
    ("Prepare your examples", "Six stories that answer most interview questions."),
    ("Ask good questions back", "Questions that show interest and tell you what you need."),
    ("Interview online", "Light, sound and presence for video interviews."),
    ("Panel and group interviews", "Speak to a whole room without losing anyone."),
    ("Practical tasks and case studies", "Show how you think, not only what you know."),
    ("After the interview", "Thank-you notes, reflection and what to do while you wait."),
    ("Learn from a rejection", "Ask for feedback, take the lesson, leave the judgement."),
    ("Stay motivated for the long run", "Routines that keep you going when the search is slow."),
    ("Talk about salary early", "Answer the money question without boxing yourself in."),
    ("Know your market value", "Research what the role is worth before anyone asks."),
    ("Negotiate more than pay", "Flexibility, learning and title are part of the offer too."),
    ("Compare two offers", "Weigh offers against your career compass, not only the number."),
    ("Resign with grace", "Leave your current job well, and keep the bridge intact."),
    ("Your first ninety days", "Start the new role with relationships and quick wins."),
    ("Find a mentor", "Ask for guidance from people a few steps ahead of you."),
    ("Build a personal board", "A handful of people who advise you through your career."),
    ("Keep your network warm", "Small habits that keep relationships alive between searches."),
    ("Plan your next step", "Look a year ahead and decide what to learn next."),
    ("Change careers at any age", "Use your experience as an advantage, not an apology."),
    ("Freelance or employed?", "Weigh independence against stability with clear questions."),
    ("Your career compass, revisited", "Update your compass with everything you have learned."),
]


def _blocks_by_type(lessons: list[dict]) -> dict[str, list]:
    pools: dict[str, list] = {}
    for lesson in lessons:
        for block in lesson["body"]:
            pools.setdefault(block["type"], []).append(block["value"])
    return pools


def lesson_body(pools: dict[str, list], rng: random.Random) -> list[dict]:
    """A lesson body in the demo's shape: text, a reflection, more text, a tip, a checklist."""
    shape = ["rich_text", "reflection", "rich_text", "tip", "checklist"]
    if rng.random() < 0.4:
        shape.insert(3, "rich_text")
    texts = rng.sample(pools["rich_text"], shape.count("rich_text"))
    body = []
    for block_type in shape:
        value = texts.pop() if block_type == "rich_text" else rng.choice(pools[block_type])
        body.append({"type": block_type, "value": copy.deepcopy(value)})
    return body


def course_extend(
    *, course: CoursePage, demo_lessons: list[dict], total: int, rng: random.Random
) -> list:
    """Add and publish lessons under `course` until it has `total`, as an editor would."""
    pools = _blocks_by_type(demo_lessons)
    existing = LessonPage.objects.child_of(course).count()
    for number in range(existing + 1, total + 1):
        title, summary = EXTRA_LESSONS[(number - existing - 1) % len(EXTRA_LESSONS)]
        page = LessonPage(
            title=title,
            slug=f"lesson-{number}",
            summary=summary,
            duration_minutes=rng.choice([10, 15, 15, 20, 25]),
            free_preview=False,
            body=lesson_body(pools, rng),
        )
        course.add_child(instance=page)
        page.save_revision().publish()
    return list(course.lessons())
