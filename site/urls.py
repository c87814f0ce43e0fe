from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.views.account import PasswordResetView
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.documents.views import serve as wagtaildocs_serve
from wagtail.urls import serve_pattern

from accounts import views as account_views
from coachhouse import media
from coachhouse.admin_login import RateLimitedLoginView
from coachhouse.feeds import ArticleFeed
from coachhouse.views import limit_posts, robots_txt, serve

# Password forms of Wagtail's that allauth's and our own limits do not cover: the admin's
# password reset (which mails someone) and the passwords of private pages and documents
# (which can be guessed). The same views, answering the site's 429 page past these limits.
reset_limited = limit_posts(("10/h", "ip"), ("3/h", "post:email"))
guess_limited = limit_posts(("20/15m", "ip"))

urlpatterns = [
    # Ahead of Wagtail's own admin/login/: the same sign-in, with a limit on password guesses.
    path("admin/login/", RateLimitedLoginView.as_view()),
    path(
        "admin/password_reset/",
        reset_limited(PasswordResetView.as_view()),
        name="wagtailadmin_password_reset",
    ),
    # The admin's second factor, asked for by accounts.second_factor's middleware.
    path("admin/2fa/", account_views.second_factor, name="second-factor"),
    path("admin/2fa/setup/", account_views.second_factor_setup, name="second-factor-setup"),
    path("admin/", include(wagtailadmin_urls)),
    path("accounts/", include("accounts.allauth_urls")),  # allauth views the site extends
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("course.urls")),
    path("", include("coaching.urls")),
    path(
        "documents/authenticate_with_password/<int:restriction_id>/",
        guess_limited(wagtaildocs_serve.authenticate_with_password),
        name="wagtaildocs_authenticate_with_password",
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("feed/", ArticleFeed(), name="article-feed"),
]

# Every 429, allauth's too: the site's own page, saying how long to wait.
handler429 = "accounts.auth_views.rate_limited"
# Every 500; a 503 with Retry-After while the database or the cache cannot be reached.
handler500 = "coachhouse.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif not media.uses_bucket():
    # Renditions from this server's disk, and nothing else there (coachhouse/media.py).
    urlpatterns.append(
        path(
            f"{settings.MEDIA_URL.lstrip('/')}images/<path:path>",
            media.serve_rendition,
            name="media-rendition",
        )
    )

urlpatterns += [
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        guess_limited(wagtail_views.authenticate_with_password),
        name="wagtailcore_authenticate_with_password",
    ),
    # Wagtail's own URLs, its page view replaced by the same view with each path's route
    # kept in the cache (coachhouse/views.py), under Wagtail's name and pattern.
    *(url for url in wagtail_urls.urlpatterns if url.name != "wagtail_serve"),
    re_path(serve_pattern, serve, name="wagtail_serve"),
]
