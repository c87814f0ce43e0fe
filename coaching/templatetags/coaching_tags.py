from django import template

from coaching import tokens
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
