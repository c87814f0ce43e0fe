"""A page the coach schedules goes live at the next periodic run after its time."""

import datetime
import io

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from coachhouse.models import ArticlePage
from tests.factories import ArticlePageFactory


def test_a_page_scheduled_for_nine_goes_live_at_the_next_periodic_run(site_tree):
    article = ArticlePageFactory(parent=site_tree["index"], title="Out at nine", live=False)
    nine = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    if nine > timezone.now():
        nine -= datetime.timedelta(days=1)
    article.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    article.save_revision().publish()  # scheduled: Wagtail keeps it offline until then
    article.refresh_from_db()
    assert not article.live
    assert Client().get(article.url).status_code == 404
    # Nine o'clock has passed since the editor scheduled it.
    revision = article.get_latest_revision()
    revision.approved_go_live_at = nine
    revision.content["go_live_at"] = nine.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])

    out = io.StringIO()
    call_command("run_periodic", stdout=out)

    assert "publish_due_pages: Published 1 scheduled revision." in out.getvalue()
    assert ArticlePage.objects.get(pk=article.pk).live
    assert "Out at nine" in Client().get(article.url).content.decode()
