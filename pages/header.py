"""The group header: the group's name and cover, and the tabs of every app that
has a page in the group (overview, sub-groups, members, rules; the weekly plan;
moderation; insights; requests, invites, banned, settings), each with its badge.

It is composed here because it names several apps; each app's templates show
it with `{% load group_header %}{% group_header %}`.
"""

from __future__ import annotations

from typing import Any

from groups import permissions as group_perms
from groups import selectors as group_selectors
from groups.models import Group
from insights import permissions as insight_perms
from insights import selectors as insight_selectors
from moderation import permissions as mod_perms
from moderation import selectors as mod_selectors
from notifications import selectors as notification_selectors
from scheduler import permissions as scheduler_perms


def header_context(user: Any, group: Group) -> dict[str, Any]:
    """The tabs the viewer may open, and their badges."""
    can = group_perms.group_capabilities(user, group)
    mod = mod_perms.moderation_capabilities(user, group)
    context: dict[str, Any] = {
        "group": group,
        "can": can,
        "can_plan": scheduler_perms.can_plan(user, group),
        "mod": mod,
    }
    if can["can_manage_members"]:
        # The badge on the "Anmodninger" tab, on every page an administrator sees.
        context["pending_count"] = group_selectors.group_pending_requests(group=group).count()
    if mod["view_queue"]:
        # The badge on the "Moderation" tab; concern for a member stands out.
        context["queue_counts"] = mod_selectors.queue_counts(group)
    if insight_perms.can_view_insights(user, group):
        # The badge on the "Indsigt" tab: members' posts nobody has answered.
        context["insights"] = True
        context["radar_count"] = insight_selectors.radar_count(group)
    return context


def page_capabilities(user: Any, group: Group) -> list[Any] | None:
    """Everything the viewer's capabilities change on a group's pages (its
    header and body), for the key of a cached page; None for those whose page
    is rendered every time (moderators: their tab counts the moderation queue,
    which changes without touching the group)."""
    mod = mod_perms.moderation_capabilities(user, group)
    if mod["view_queue"] or insight_perms.can_view_insights(user, group):
        return None  # the team's tabs count what changes without touching the group
    return [
        sorted(group_perms.group_capabilities(user, group).items()),
        sorted(mod.items()),
        scheduler_perms.can_plan(user, group),
        # The bell in the site header of a cached page.
        notification_selectors.unread_count(user),
    ]
