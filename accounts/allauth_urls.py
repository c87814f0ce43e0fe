"""allauth's views that the site extends (accounts/auth_views.py), under allauth's own names;
included ahead of allauth's URLs, so these answer and `reverse()` finds them."""

from django.urls import path

from accounts import auth_views

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
]
