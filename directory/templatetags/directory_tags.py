"""Template helpers of the directory: prices in kroner, and the panel on a
group's settings page where its administrators list the group (the groups app
sits below the directory and cannot ask it; its template can)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from directory import permissions as perms
from directory.models import Entry, EntryStatus
from groups.models import Group

register = template.Library()


@register.filter
def kroner(ore: int | None) -> str:
    """2500 -> "25 kr.", 2550 -> "25,50 kr." (in the reader's language)."""
    if ore is None:
        return ""
    whole, rest = divmod(int(ore), 100)
    amount = number_format(ore / 100, decimal_pos=2) if rest else number_format(whole)
    return _("%(amount)s kr.") % {"amount": amount}


@register.inclusion_tag("directory/partials/group_listing.html", takes_context=True)
def group_directory_panel(context: Any, group: Group) -> dict[str, Any]:
    """For the group's administrators: whether the group and each sub-group is
    in the directory, with buttons to show or hide it (one query)."""
    user = context.get("user")
    if not perms.can_list_group(user, group):
        return {"show": False}
    listed: dict[int | None, int] = {
        subgroup_id: entry_id
        for subgroup_id, entry_id in Entry.objects.filter(
            group=group, status=EntryStatus.PUBLISHED
        ).values_list("subgroup_id", "pk")
    }
    subgroups = [
        {"subgroup": s, "entry_id": listed.get(s.pk)} for s in group.subgroups.order_by("name")
    ]
    return {
        "show": True,
        "group": group,
        "group_entry_id": listed.get(None),
        "subgroups": subgroups,
        "csrf_token": context.get("csrf_token"),
    }
