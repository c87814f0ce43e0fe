"""Lesson pages: the course content, one page a lesson, always inside a course."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import SimpleLazyObject, cached_property
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from coachhouse import content_version
from coachhouse.pages import PrivacyMixin, site_for
from coachhouse.templatetags.site_tags import chrome_name
from course import selectors, services
from course.templatetags.course_tags import outline_names, outline_states
from lessons.blocks import LessonStreamBlock
from lessons.templatetags.lesson_tags import run_names


class LessonPage(PrivacyMixin, Page):
    """One lesson of a course, made of content blocks."""

    cache_for_anonymous = True

    summary = models.TextField(
        max_length=300, help_text="One or two sentences; shown in lists and to search engines."
    )
    duration_minutes = models.PositiveSmallIntegerField(
        "estimated minutes",
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    free_preview = models.BooleanField(
        default=False, help_text="Anyone may read a free-preview lesson without signing up."
    )
    available_after_days = models.PositiveSmallIntegerField(
        "opens after (days)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(365)],
        help_text=(
            "Drip: the lesson opens this many days after the learner enrols (at the start of "
            "that day). Leave empty, or 0, to open it straight away. Free previews never wait."
        ),
    )
    body = StreamField(LessonStreamBlock())

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("summary"),
                FieldPanel("duration_minutes"),
                FieldPanel("free_preview"),
                FieldPanel("available_after_days"),
            ],
            heading="About this lesson",
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]

    parent_page_types = ["course.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = "lesson"

    def get_meta_description(self) -> str:
        return self.search_description or self.summary

    def get_social_image(self):
        return None

    @cached_property
    def course(self):
        """The course this lesson belongs to, with its lessons."""
        return selectors.lesson_course(lesson=self)

    def load_for_views(self) -> None:
        self.course.lesson_list  # noqa: B018 (loaded to be kept with the page)

    def linked_pages(self) -> list:
        return [self.course, *self.course.lesson_list]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        course = self.course
        lessons = course.lesson_list
        position = course.lesson_positions.get(self.pk, 0)
        progress = selectors.course_progress(user=request.user, course=course, lessons=lessons)
        preview = getattr(request, "is_preview", False)
        is_open = selectors.lesson_is_open(
            user=request.user, lesson=self, progress=progress, preview=preview
        )
        opens_at = None if preview else progress.opens_at(self)
        has_answers = progress.has_reflections(self)
        if progress.enrolment and opens_at is None:
            services.lesson_visit(user=request.user, lesson=self, last_visit=progress.last_visit)
        context.update(
            course=course,
            lessons=lessons,
            lesson_number=position + 1,
            previous_lesson=lessons[position - 1] if position > 0 else None,
            next_lesson=lessons[position + 1] if position + 1 < len(lessons) else None,
            progress=progress,
            is_open=is_open,
            opens_at=opens_at,
            is_enrolled=progress.enrolment is not None,
            has_answers=has_answers,
            # Read only where the learner has answers, and a reflection block is rendered.
            reflections=(
                SimpleLazyObject(
                    lambda: selectors.lesson_reflections(user=request.user, lesson=self)
                )
                if has_answers
                else {}
            ),
        )
        site = site_for(request)
        states = outline_states(lessons, progress, current=self)
        context["outline"] = (states, outline_names(states, site, compact=True))
        if not preview:
            # The markup kept for everyone (the header's and footer's links, the body's runs,
            # the outline's items in the learner's states), read in one round trip.
            names = [chrome_name(site), *(run_names(self, site) if is_open else [])]
            content_version.prefetch(request, [*names, *context["outline"][1]])
        return context
