"""The one way a row gets into a group's moderation log.

Called inside the caller's transaction (moderation's own services, and the
groups services for membership decisions and role changes), so a logged act
and its log row commit or roll back together. There is no update or delete.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from moderation.models import AuditEntry


def record(
    *,
    group: Any,
    actor: User | None,
    action: str,
    target_user_id: int | None = None,
    post_ref: int | None = None,
    comment_ref: int | None = None,
    case: Any = None,
    reason: str = "",
    detail: str = "",
) -> AuditEntry:
    target_name = ""
    if target_user_id is not None:
        target_name = (
            User.objects.filter(pk=target_user_id).values_list("display_name", flat=True).first()
            or ""
        )
    return AuditEntry.objects.create(
        group_id=group.pk,
        actor=actor,
        actor_name=getattr(actor, "display_name", "") if actor is not None else "",
        action=action,
        target_user_id=target_user_id,
        target_name=target_name,
        post_ref=post_ref,
        comment_ref=comment_ref,
        case=case,
        reason=reason[:1000],
        detail=detail[:200],
    )
