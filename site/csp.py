"""Which Content Security Policy a response carries: the public one or the admin's."""

import functools

from django.conf import settings
from django.middleware import csp
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override

from coachhouse import stripe_client


class ContentSecurityPolicyMiddleware(csp.ContentSecurityPolicyMiddleware):
    """Django's CSP middleware, with the policy chosen by where the response is shown.

    - Every URL under the Wagtail admin gets settings.ADMIN_CSP (why it is looser is written
      there). One rule by path, rather than a decorator on each view, also covers the views
      Wagtail and the apps' hooks add to the admin.
    - A page previewed in the admin keeps the public policy, but the admin may frame it: Wagtail
      renders previews through this whole middleware stack inside the admin's request, for the
      preview panel's iframe.
    - Everything else gets settings.SECURE_CSP, unless its view chose its own with
      `csp_override`.

    With DEBUG on (development only; production refuses it), Django's own error pages go out
    without a policy: they are made of inline styles and scripts.
    """

    def process_response(self, request, response):
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        policy = self.policy_for(request)
        # `_csp_config` is where Django's csp_override puts a view's own policy; that one wins.
        if policy is not None and not hasattr(response, "_csp_config"):
            response._csp_config = policy
        return super().process_response(request, response)

    @staticmethod
    def policy_for(request) -> dict | None:
        if getattr(request, "is_preview", False):
            return {**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]}
        if request.path.startswith(reverse("wagtailadmin_home")):
            return settings.ADMIN_CSP
        return None


def forms_may_reach_checkout(view):
    """For a page whose forms post to a view that redirects to Stripe Checkout (a coaching
    invitation's packages, a paid course's "Buy"): browsers hold that redirect to the page's
    form-action, so it lists Checkout's origin too."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        form_action = [CSP.SELF, stripe_client.checkout_origin()]
        policy = {**settings.SECURE_CSP, "form-action": form_action}
        return csp_override(policy)(view)(request, *args, **kwargs)

    return wrapped
