from __future__ import annotations

from typing import Any

from django import template

from notifications import permissions as perms
from notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/partials/follow.html", takes_context=True)
def follow_button(context: template.Context, post: Any) -> dict[str, Any]:
    """ "Følg" / "Følg ikke" for the page's reader, on a post they may read."""
    user = context["request"].user
    return {
        "post": post,
        "group": post.group,
        "shown": perms.can_follow(user, post),
        "following": selectors.is_following(user, post),
        "csrf_token": context.get("csrf_token"),
    }
