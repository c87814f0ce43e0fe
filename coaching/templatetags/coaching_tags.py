from django import template

from coaching import selectors, tokens
from coaching.forms import join_form_for
from coaching.models import CoachingPackage

register = template.Library()


@register.simple_tag
def active_packages():
    return list(CoachingPackage.objects.filter(active=True))


@register.filter
def status_token(entry) -> str:
    return tokens.make_token(entry, tokens.STATUS)


@register.simple_tag(takes_context=True)
def waitlist_join_form(context):
    """The wait-list page's form: the submitted one with its errors, else a fresh one."""
    return context.get("form") or join_form_for(context["request"])


@register.simple_tag(takes_context=True)
def my_wait_list_place(context):
    """A signed-in person's own place on the list, so the page shows it instead of the form:
    the entry, its position while waiting, and the link to their status page."""
    entry = selectors.entry_for_learner(context["request"].user)
    if entry is None:
        return None
    return {
        "entry": entry,
        "position": selectors.entry_position(entry),
        "status_token": tokens.make_token(entry, tokens.STATUS),
    }
