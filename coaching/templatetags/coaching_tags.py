from django import template

from coaching import tokens
from coaching.models import CoachingPackage

register = template.Library()


@register.simple_tag
def active_packages():
    return list(CoachingPackage.objects.filter(active=True))


@register.filter
def status_token(entry) -> str:
    return tokens.make_token(entry, tokens.STATUS)
