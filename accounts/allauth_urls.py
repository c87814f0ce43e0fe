"""allauth's views that the site extends (accounts/auth_views.py), under allauth's own names;
included ahead of allauth's URLs, so these answer and `reverse()` finds them."""

from django.urls import path

from accounts import auth_views, views

# allauth's pages for managing a second factor. The site manages the admin's on its own page
# (/admin/2fa/setup/); these send people there, or to their account page.
SECOND_FACTOR_PAGES = {
    "2fa/": "mfa_index",
    "2fa/totp/activate/": "mfa_activate_totp",
    "2fa/totp/deactivate/": "mfa_deactivate_totp",
    "2fa/recovery-codes/": "mfa_view_recovery_codes",
    "2fa/recovery-codes/generate/": "mfa_generate_recovery_codes",
    "2fa/recovery-codes/download/": "mfa_download_recovery_codes",
}

urlpatterns = [
    path("signup/", auth_views.SignupView.as_view(), name="account_signup"),
    path(
        "login/code/",
        auth_views.RequestLoginCodeView.as_view(),
        name="account_request_login_code",
    ),
    path(
        "login/code/confirm/",
        auth_views.ConfirmLoginCodeView.as_view(),
        name="account_confirm_login_code",
    ),
    path("email/", auth_views.EmailView.as_view(), name="account_email"),
    path(
        "confirm-email/",
        auth_views.ConfirmEmailVerificationCodeView.as_view(),
        name="account_email_verification_sent",
    ),
    path("inactive/", auth_views.AccountInactiveView.as_view(), name="account_inactive"),
    path(
        "reauthenticate/",
        auth_views.ReauthenticateView.as_view(),
        name="account_reauthenticate",
    ),
    path(
        "2fa/reauthenticate/",
        auth_views.ReauthenticateWithCodeView.as_view(),
        name="mfa_reauthenticate",
    ),
    *(
        path(route, views.second_factor_managed_here, name=name)
        for route, name in SECOND_FACTOR_PAGES.items()
    ),
]
