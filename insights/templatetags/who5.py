from __future__ import annotations

from typing import Any

from django import template

from insights import who5

register = template.Library()


@register.inclusion_tag("insights/who5/partials/offer.html", takes_context=True)
def who5_offer(context: template.Context, group: Any) -> dict[str, Any]:
    """The WHO-5 box on the group's page, for the page's reader
    (insights.who5.who5_offer): the invitation, "it is time", or a quiet line.
    A page cached whole must have `who5_offer(...).key` in its key."""
    request = context["request"]
    return {
        "group": group,
        "offer": who5.who5_offer(request.user, group, request.session),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
