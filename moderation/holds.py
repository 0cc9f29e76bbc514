"""Moderation's answer to posts' question "must this wait?" (posts.holds):
a new member's first posts and the group's word list."""

from __future__ import annotations

import re
from typing import Any

from groups import permissions as group_perms
from groups.models import Group, Role
from moderation import selectors
from moderation.models import HeldReason
from posts.holds import HoldPolicy
from posts.models import Post


def _matches(body: str, keywords: list[str]) -> bool:
    text = body.casefold()
    # Whole words (and phrases): "spil" must not hold back "spille".
    return any(re.search(r"(?<!\w)" + re.escape(w) + r"(?!\w)", text) for w in keywords)


class ModerationHoldPolicy(HoldPolicy):
    def reason_to_hold(self, *, actor: Any, group: Group, body: str, is_post: bool) -> str:
        """Why a new post or comment must wait for a moderator ("" = it need not).
        Staff, moderators and administrators are never held."""
        if group_perms.role_in(actor, group) != Role.MEMBER:
            return ""
        settings = selectors.settings_for(group)
        if settings.keywords and _matches(body, settings.keywords):
            return HeldReason.KEYWORD
        if is_post and settings.hold_first_posts:
            earlier = Post.objects.filter(group=group, author=actor).count()
            if earlier < settings.hold_first_posts:
                return HeldReason.NEW_MEMBER
        return ""
