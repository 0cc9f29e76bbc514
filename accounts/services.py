"""Writes to accounts."""

from __future__ import annotations

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Consent, ConsentChannel, ConsentPurpose, LoginRecord, User
from sammen.events import publish, user_channel_name


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


# --- The consent ledger (accounts.models.Consent) -----------------------------------


def consent_give(
    *,
    user: User,
    purpose: str,
    text_version: str,
    scope: str = "",
    channel: str = ConsentChannel.WEB,
) -> Consent:
    """Record that the person said yes to `purpose` (in `scope`) after being
    shown the text of `text_version`. A second yes while the first stands
    keeps the first. Call it inside the transaction of the write it belongs to."""
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    with transaction.atomic():
        existing = (
            Consent.objects.select_for_update()
            .filter(user=user, purpose=purpose, scope=scope, withdrawn_at__isnull=True)
            .first()
        )
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return Consent.objects.create(
                    user=user,
                    purpose=purpose,
                    scope=scope,
                    text_version=text_version,
                    given_at=timezone.now(),
                    given_channel=channel,
                )
        except IntegrityError:  # a parallel request recorded it a moment ago
            return Consent.objects.get(
                user=user, purpose=purpose, scope=scope, withdrawn_at__isnull=True
            )


def consent_withdraw(
    *, user: User | int, purpose: str, scope: str = "", channel: str = ConsentChannel.WEB
) -> int:
    """Record that the person's consent to `purpose` (in `scope`) ended now.
    What the consent allowed stops in the caller's transaction (the app that
    owns the purpose does that); this only writes the ledger. Returns how many
    active consents ended (0 or 1)."""
    user_id = user if isinstance(user, int) else user.pk
    return Consent.objects.filter(
        user_id=user_id, purpose=purpose, scope=scope, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now(), withdrawn_channel=channel)


def consent_active(user: User, purpose: str, scope: str = "") -> bool:
    return Consent.objects.filter(
        user=user, purpose=purpose, scope=scope, withdrawn_at__isnull=True
    ).exists()


def login_record(*, user: User, reauthentication: bool = False) -> LoginRecord:
    """One line of the person's login history."""
    return LoginRecord.objects.create(
        user=user, at=timezone.now(), reauthentication=reauthentication
    )


def sessions_end_everywhere(*, actor: User) -> None:
    """Log out on every device ("Log ud på alle enheder"): every session of the person, on every
    device, stops being valid (Django checks each against the session
    generation on its next request), and after commit every open socket of
    the person closes. The caller logs the current browser out too."""
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(session_generation=F("session_generation") + 1)
        publish(user_channel_name(actor.pk), "session.ended")  # after commit


def sockets_close_for_password_change(*, user_id: int) -> None:
    """A new password ends every other session (Django: the old sessions' auth
    hash no longer matches). Their sockets close now, not at their next page;
    this browser's sockets close too and reconnect with its still valid
    session."""
    publish(user_channel_name(user_id), "session.ended")  # after commit
