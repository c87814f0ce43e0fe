"""The RSS feed of the coach's articles."""

import datetime

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from wagtail.models import Site

from coachhouse.models import ArticlePage


class ArticleFeed(Feed):
    """The newest articles, for feed readers."""

    feed_type = Rss201rev2Feed
    limit = 20

    def get_object(self, request, *args, **kwargs):
        return Site.find_for_request(request)

    def title(self, site):
        return f"{site.site_name or 'Coachhouse'}: articles" if site else "Articles"

    def link(self, site):
        return site.root_url if site else "/"

    def description(self, site):
        return "New articles on networking, job search and careers you love."

    def items(self, site):
        return ArticlePage.objects.live().public().order_by("-date", "-pk")[: self.limit]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_full_url()

    def item_author_name(self, item):
        return item.author

    def item_pubdate(self, item):
        return timezone.make_aware(datetime.datetime.combine(item.date, datetime.time(9)))
