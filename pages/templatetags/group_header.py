from __future__ import annotations

from typing import Any

from django import template

from pages.header import header_context

register = template.Library()


@register.inclusion_tag("pages/partials/group_header.html", takes_context=True)
def group_header(context: template.Context) -> dict[str, Any]:
    """The header of the page's `group`, for the page's viewer (pages.header)."""
    request = context["request"]
    return {**header_context(request.user, context["group"]), "request": request}
