from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as account_views
from coachhouse.admin_login import RateLimitedLoginView
from coachhouse.feeds import ArticleFeed
from coachhouse.views import robots_txt

urlpatterns = [
    # Ahead of Wagtail's own admin/login/: the same sign-in, with a limit on password guesses.
    path("admin/login/", RateLimitedLoginView.as_view()),
    # The admin's second factor, asked for by accounts.second_factor's middleware.
    path("admin/2fa/", account_views.second_factor, name="second-factor"),
    path("admin/2fa/setup/", account_views.second_factor_setup, name="second-factor-setup"),
    path("admin/", include(wagtailadmin_urls)),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("course.urls")),
    path("", include("coaching.urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("feed/", ArticleFeed(), name="article-feed"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
