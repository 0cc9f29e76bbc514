"""{% weekly_report_toggle group %}: the dashboard's switch for Ugens tal,
with the viewer's current choice (insights/reports.py)."""

from __future__ import annotations

from typing import Any

from django import template

from insights import reports

register = template.Library()


@register.inclusion_tag("insights/partials/weekly_report_toggle.html", takes_context=True)
def weekly_report_toggle(context: Any, group: Any) -> dict[str, Any]:
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return {
        "group": group,
        "subscribed": reports.weekly_report_subscribed(user, group),
        "csrf_token": context.get("csrf_token"),
    }
