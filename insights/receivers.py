"""What insights records when the apps below tell it (connected in
InsightsConfig.ready), in the transaction of the write that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from groups.models import Group
from groups.signals import membership_ended
from insights import services, who5
from posts.models import Post
from posts.signals import post_viewed


@receiver(post_viewed)
def on_post_viewed(*, post: Post, user: Any, **kwargs: Any) -> None:
    services.post_view_count(post=post, user_id=user.pk)


@receiver(membership_ended)
def on_membership_ended(
    *, group: Group, user_id: int, joined_at: datetime | None, how: str, **kwargs: Any
) -> None:
    # The statistic is anonymous (no user); the person's WHO-5 consent ends
    # and their answers go, since they can no longer reach them to withdraw.
    services.membership_ended_record(group=group, joined_at=joined_at, how=how)
    who5.who5_membership_ended(user_id=user_id, group=group)
