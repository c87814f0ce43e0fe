"""Courses: an overview page whose child pages are its lessons, in order."""

from decimal import Decimal

from django.apps import apps
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class CoursePage(Page):
    """A course: its promise, who it is for, and its lessons as child pages."""

    outcome = models.TextField(
        "promise", max_length=400, help_text="What the learner will have at the end."
    )
    audience = models.TextField("who it is for", max_length=600)
    intro = RichTextField(features=["bold", "italic", "ol", "ul", "link"], blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="0 makes the course free.",
    )
    currency = models.CharField(max_length=3, default="GBP")

    content_panels = [
        *Page.content_panels,
        FieldPanel("outcome"),
        FieldPanel("audience"),
        FieldPanel("intro"),
        FieldPanel("image"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("price"), FieldPanel("currency")])], heading="Price"
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("outcome"),
        index.SearchField("audience"),
        index.SearchField("intro"),
    ]

    parent_page_types = ["coachhouse.HomePage"]
    subpage_types = ["lessons.LessonPage"]

    class Meta:
        verbose_name = "course"

    @property
    def is_free(self) -> bool:
        return self.price == 0

    def lessons(self):
        """The course's published lessons, in the order editors set in the page tree."""
        lesson_model = apps.get_model("lessons", "LessonPage")
        return lesson_model.objects.child_of(self).live().order_by("path")

    @cached_property
    def lesson_list(self) -> list:
        return list(self.lessons())

    @cached_property
    def total_minutes(self) -> int:
        return sum(lesson.duration_minutes for lesson in self.lesson_list)

    def get_meta_description(self) -> str:
        return self.search_description or self.outcome

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["structured_data"] = self.structured_data(request)
        return context

    def structured_data(self, request) -> dict:
        """schema.org `Course` for search engines."""
        data = {
            "@context": "https://schema.org",
            "@type": "Course",
            "name": self.title,
            "description": self.get_meta_description(),
            "url": self.get_full_url(request),
            "provider": {
                "@type": "Organization",
                "name": self.get_site().site_name or self.get_site().hostname,
                "url": self.get_site().root_url,
            },
            "isAccessibleForFree": self.is_free,
            "offers": {
                "@type": "Offer",
                "category": "Free" if self.is_free else "Paid",
                "price": f"{self.price:.2f}",
                "priceCurrency": self.currency,
            },
            "hasCourseInstance": {
                "@type": "CourseInstance",
                "courseMode": "Online",
                "courseWorkload": f"PT{self.total_minutes}M",
            },
            "numberOfLessons": len(self.lesson_list),
            "syllabusSections": [
                {
                    "@type": "Syllabus",
                    "name": lesson.title,
                    "description": lesson.summary,
                    "timeRequired": f"PT{lesson.duration_minutes}M",
                }
                for lesson in self.lesson_list
            ],
        }
        if self.image:
            data["image"] = request.build_absolute_uri(
                self.image.get_rendition("fill-1200x630").url
            )
        return data
