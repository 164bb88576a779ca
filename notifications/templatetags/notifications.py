"""{% load notifications %}: the panel's content and the unread count for any page.

{% include "notifications/_panel.html" %}        the whole panel (it loads its own data)
{% notifications_panel as panel %}               panel.items, panel.unread, panel.latest
{% unread_notifications_count as unread %}       for a badge
"""

from django import template

from notifications import selectors

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def notifications_panel(context) -> selectors.Panel:
    return selectors.panel_for(_user(context))


@register.simple_tag(takes_context=True)
def unread_notifications_count(context) -> int:
    user = _user(context)
    return selectors.unread_count(user) if user is not None else 0
