"""Every write of insights: counting views, keeping the end of memberships,
the group's insight settings. (WHO-5's writes are in insights/who5.py.)"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from groups.models import Group
from insights import permissions as perms
from insights.models import InsightSettings, MembershipEnded, PostView
from posts.models import Post


def post_view_count(*, post: Post, user_id: int) -> None:
    """One view per member, post and local day: one INSERT that does nothing
    on conflict, however often the page is reloaded; one round trip (not
    bulk_create, which wraps it in BEGIN and COMMIT). PostgreSQL and SQLite
    both speak ON CONFLICT DO NOTHING."""
    table = connection.ops.quote_name(PostView._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (group_id, post_id, user_id, day) "  # noqa: S608 - a model's table
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [post.group_id, post.pk, user_id, timezone.localdate()],
        )


def membership_ended_record(*, group: Group, joined_at: datetime | None, how: str) -> None:
    """A membership ended (left, removed, banned): kept without who."""
    MembershipEnded.objects.create(group=group, joined_at=joined_at, how=how)


def insight_settings_set(
    *,
    actor: User,
    group: Group,
    radar_hours: int,
    who5_enabled: bool,
    who5_every_weeks: int,
) -> InsightSettings:
    """An administrator's choices for the radar and WHO-5."""
    if not perms.can_change_insight_settings(actor, group):
        raise PermissionDenied
    if not 1 <= radar_hours <= 168:
        raise ValidationError(_("Vælg et antal timer mellem 1 og 168."))
    if not 2 <= who5_every_weeks <= 52:
        raise ValidationError(_("Vælg mellem 2 og 52 uger mellem målingerne."))
    row, _created = InsightSettings.objects.update_or_create(
        group=group,
        defaults={
            "radar_hours": radar_hours,
            "who5_enabled": who5_enabled,
            "who5_every_weeks": who5_every_weeks,
        },
    )
    return row
