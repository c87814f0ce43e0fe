"""The Wagtail admin's sign-in, with a limit on password guesses (allauth's limits cover only
the learners' sign-in).

Guesses are counted per address, and per account from each address, as django-axes does: a
stranger guessing the editor's password from anywhere uses up only their own addresses' tries,
never the editor's. What stops a guess that is right is the second factor every admin user
gives next (accounts/second_factor.py).
"""

from django.contrib import messages
from django_ratelimit.core import get_usage
from wagtail.admin.views.account import LoginView

from accounts.models import normalise_email
from coachhouse.client_ip import client_ip

# Every POST counts, a success too: per address, and per account from one address.
RATE_PER_IP = "20/15m"
RATE_PER_USERNAME_AND_IP = "5/15m"


def _username_and_ip_key(group, request) -> str:
    return f"{normalise_email(request.POST.get('username', ''))[:254]}|{client_ip(request)}"


class RateLimitedLoginView(LoginView):
    """Wagtail's admin sign-in, answering 429 once an address or an account has had its tries."""

    def post(self, request, *args, **kwargs):
        seconds_left = self.seconds_until_allowed(request)
        if seconds_left is None:
            return super().post(request, *args, **kwargs)
        minutes = max(1, -(-seconds_left // 60))
        messages.error(
            request,
            f"Too many sign-in attempts. For your account's safety, please wait {minutes} "
            f"minute{'s' if minutes != 1 else ''} and try again.",
        )
        form = self.get_form_class()(request, initial={"username": request.POST.get("username")})
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        response["Retry-After"] = str(seconds_left)
        return response

    @staticmethod
    def seconds_until_allowed(request) -> int | None:
        """Counts this attempt; None if it may go ahead, else the seconds until it may."""
        usages = [
            get_usage(request, group="admin-login-ip", key="ip", rate=RATE_PER_IP, increment=True),
            get_usage(
                request,
                group="admin-login-username-ip",
                key=_username_and_ip_key,
                rate=RATE_PER_USERNAME_AND_IP,
                increment=True,
            ),
        ]
        limited = [usage for usage in usages if usage and usage["should_limit"]]
        if not limited:
            return None
        return max(1, *(usage["time_left"] for usage in limited))
