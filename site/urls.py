from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from coachhouse.admin_login import RateLimitedLoginView
from coachhouse.feeds import ArticleFeed

urlpatterns = [
    # Ahead of Wagtail's own admin/login/: the same sign-in, with a limit on password guesses.
    path("admin/login/", RateLimitedLoginView.as_view()),
    path("admin/", include(wagtailadmin_urls)),
    path("accounts/", include("accounts.allauth_urls")),  # allauth views the site extends
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("course.urls")),
    path("", include("coaching.urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("feed/", ArticleFeed(), name="article-feed"),
]

# Every 429, allauth's too: the site's own page, saying how long to wait.
handler429 = "accounts.auth_views.rate_limited"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
