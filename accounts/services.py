"""Writes to accounts."""

from __future__ import annotations

from django.core.files.base import File
from django.db import transaction

from accounts.models import User


def user_update_profile(
    *,
    actor: User,
    display_name: str,
    bio: str,
    avatar: File | None = None,
    remove_avatar: bool = False,
) -> User:
    """Update the actor's own profile. Replaces or removes the avatar file
    only after the row is committed, so a failed save leaves the old one."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        old_avatar_name = user.avatar.name if user.avatar else ""
        user.display_name = display_name
        user.bio = bio
        fields = ["display_name", "bio"]
        if avatar is not None and not remove_avatar:
            user.avatar.save(avatar.name or "avatar.jpg", avatar, save=False)
            fields.append("avatar")
        elif remove_avatar:
            user.avatar = None
            fields.append("avatar")
        user.save(update_fields=fields)
        if old_avatar_name and "avatar" in fields:
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(old_avatar_name))
    return user
