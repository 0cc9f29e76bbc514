"""What insights records when the apps below tell it (connected in
InsightsConfig.ready), in the transaction of the write that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from groups.models import Group
from groups.signals import membership_ended
from insights import services
from posts.models import Post
from posts.signals import post_viewed


@receiver(post_viewed)
def on_post_viewed(*, post: Post, user: Any, **kwargs: Any) -> None:
    services.post_view_count(post=post, user_id=user.pk)


@receiver(membership_ended)
def on_membership_ended(
    *, group: Group, joined_at: datetime | None, how: str, **kwargs: Any
) -> None:
    services.membership_ended_record(group=group, joined_at=joined_at, how=how)
