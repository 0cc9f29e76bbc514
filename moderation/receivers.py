"""What moderation records when the apps below it tell it something, in their
transaction (connected in ModerationConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from groups.signals import membership_action
from moderation import audit, services
from posts.signals import content_held


@receiver(content_held)
def queue_held_content(*, post: Any, comment: Any, reason: str, **kwargs: Any) -> None:
    services.case_open_held(post=post, comment=comment, reason=reason)


@receiver(membership_action)
def log_membership_action(
    *,
    group: Any,
    actor: Any,
    action: str,
    user_id: int,
    reason: str = "",
    detail: str = "",
    **kwargs: Any,
) -> None:
    audit.record(
        group=group,
        actor=actor,
        action=action,
        target_user_id=user_id,
        reason=reason,
        detail=detail,
    )
