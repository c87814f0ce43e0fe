"""Site-wide pages (home, articles) and the navigation and footer settings."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from coachhouse.blocks import ArticleStreamBlock, LinkBlock
from coachhouse.pages import PrivacyMixin


class SeoMixin(PrivacyMixin):
    """The meta description and social image every page template reads.

    Pages are the same for every anonymous visitor, so the page cache may share them.
    """

    cache_for_anonymous = True

    def get_meta_description(self) -> str:
        return self.search_description or getattr(self, "summary", "") or ""

    def get_social_image(self):
        return getattr(self, "image", None)


class HomePage(SeoMixin, Page):
    """The front page: a hero, the featured free course and the latest articles."""

    hero_heading = models.CharField(max_length=120)
    hero_text = models.TextField(max_length=500)
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    featured_course = models.ForeignKey(
        "course.CoursePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    articles_heading = models.CharField(max_length=120, default="Latest articles")

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("hero_heading"), FieldPanel("hero_text"), FieldPanel("hero_image")],
            heading="Hero",
        ),
        FieldPanel("featured_course"),
        FieldPanel("articles_heading"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["coachhouse.ArticleIndexPage", "course.CoursePage", "coaching.WaitListPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    def get_meta_description(self) -> str:
        return self.search_description or self.hero_text

    def get_social_image(self):
        return self.hero_image

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_articles"] = (
            ArticlePage.objects.live().public().select_related("image").order_by("-date")[:3]
        )
        return context


class ArticleIndexPage(SeoMixin, Page):
    """The list of articles, newest first."""

    intro = models.TextField(max_length=500, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["coachhouse.HomePage"]
    subpage_types = ["coachhouse.ArticlePage"]
    max_count = 1
    articles_per_page = 10
    # The page cache keeps each page of the list apart (coachhouse/page_cache.py).
    cache_query_parameters = ("page",)

    class Meta:
        verbose_name = "article index"

    def get_meta_description(self) -> str:
        return self.search_description or self.intro

    def articles(self):
        return (
            ArticlePage.objects.child_of(self)
            .live()
            .public()
            .select_related("image")
            .order_by("-date", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.articles(), self.articles_per_page)
        asked = request.GET.get("page", "1")
        try:
            articles = paginator.page(asked)
        except PageNotAnInteger:
            articles = paginator.page(1)
        except EmptyPage:
            articles = paginator.page(paginator.num_pages)
        if asked != str(articles.number):
            # Shown a page other than the one asked for: the page cache keeps only real ones.
            request.page_cacheable = False
        context["articles"] = articles
        return context


class ArticlePage(SeoMixin, Page):
    """An article by the coach, usually ending in a call to action for a course."""

    author = models.CharField(max_length=120)
    date = models.DateField("published on", default=timezone.localdate)
    summary = models.TextField(
        max_length=300, help_text="One or two sentences; shown in lists and to search engines."
    )
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(ArticleStreamBlock())

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("author"), FieldPanel("date"), FieldPanel("summary"), FieldPanel("image")],
            heading="About this article",
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]

    parent_page_types = ["coachhouse.ArticleIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "article"


@register_setting(icon="list-ul")
class SiteSettings(BaseSiteSetting):
    """The header navigation, the footer and the site's voice in one place."""

    tagline = models.CharField(max_length=120, blank=True)
    header_links = StreamField([("link", LinkBlock())], blank=True)
    footer_text = models.TextField(max_length=500, blank=True)
    footer_links = StreamField([("link", LinkBlock())], blank=True)
    coaching_page = models.ForeignKey(
        "coaching.WaitListPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where course graduates are invited to join the coaching wait list.",
    )

    panels = [
        FieldPanel("tagline"),
        FieldPanel("coaching_page"),
        FieldPanel("header_links"),
        FieldPanel("footer_text"),
        FieldPanel("footer_links"),
    ]

    class Meta:
        verbose_name = "navigation and footer"
