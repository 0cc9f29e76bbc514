"""Whether a new post or comment must wait for a moderator.

Posts asks; it does not own the answer (moderation's settings, word lists and
rules do, and moderation builds on posts). The answer comes from the policy
named in settings.POSTS_HOLD_POLICY, loaded once, the way Django loads its
password validators: moderation provides `moderation.holds.ModerationHoldPolicy`.
What was held is then told upward with the `posts.signals.content_held` signal.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string


class HoldPolicy:
    """Holds nothing: the policy of an installation without moderation."""

    def reason_to_hold(self, *, actor: Any, group: Any, body: str, is_post: bool) -> str:
        """Why the item must wait for a moderator, as a short code; "" when it need not."""
        return ""


@functools.cache
def hold_policy() -> HoldPolicy:
    path = getattr(settings, "POSTS_HOLD_POLICY", "posts.holds.HoldPolicy")
    policy: HoldPolicy = import_string(path)()
    return policy


@receiver(setting_changed)
def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "POSTS_HOLD_POLICY":
        hold_policy.cache_clear()
