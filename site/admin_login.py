"""The Wagtail admin's sign-in, with a limit on password guesses (allauth's limits cover only
the learners' sign-in)."""

from django.contrib import messages
from django_ratelimit.core import get_usage
from wagtail.admin.views.account import LoginView

from accounts.models import normalise_email

# Every POST counts, a success too: per address, and per account whatever the address, so
# neither rotating addresses nor rotating accounts buys more guesses.
RATE_PER_IP = "20/15m"
RATE_PER_USERNAME = "5/15m"


def _username_key(group, request) -> str:
    return normalise_email(request.POST.get("username", ""))[:254]


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
                group="admin-login-username",
                key=_username_key,
                rate=RATE_PER_USERNAME,
                increment=True,
            ),
        ]
        limited = [usage for usage in usages if usage and usage["should_limit"]]
        if not limited:
            return None
        return max(1, *(usage["time_left"] for usage in limited))
