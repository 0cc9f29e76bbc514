"""The steps of deleting an account (privacy.services.deletion_run).

Each step is idempotent: run twice, or run again after a worker died in its
middle (its transaction rolled back), it leaves the same result. The runner
records each finished step on the DeletionRequest in the step's own
transaction, so a run taken up again starts at the first step not recorded.
What each step does to which table is listed in privacy/sources.py (`erase`)
and docs/architecture.md.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Consent, User
from directory.models import Entry, EntryChange, EntryRevision, EntryStatus, RevisionState
from groups.selectors import group_changed
from groups.services import memberships_end_for_erasure
from moderation.models import AuditEntry, Case, Flag
from notifications.models import Notification
from posts.models import (
    Comment,
    CommentRevision,
    ContentState,
    Mention,
    Post,
    PostImage,
    PostRevision,
    Reaction,
)
from posts.rendering import render_markdown
from privacy.models import DeletionMode, DeletionRequest, ExportRequest
from privacy.sources import coordinator_requests
from privacy.storage import export_storage
from sammen.events import publish, user_channel_name
from scheduler.models import ScheduledPhoto, ScheduledPost

logger = logging.getLogger(__name__)

FORMER_MEMBER = "Tidligere medlem"
DELETED_COMMENT = "[Slettet]"
BATCH = 500


def _delete_files_after_commit(files: Iterable[tuple[Storage, str]]) -> None:
    """Remove stored files once the rows that name them are gone for good.
    A file already gone is fine (a step taken again)."""
    pending = [(storage, name) for storage, name in files if name]
    if not pending:
        return

    def remove() -> None:
        for storage, name in pending:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("Could not delete a stored file of an erased account")

    transaction.on_commit(remove)


def _touch_groups(group_ids: Iterable[int]) -> None:
    """Cached pages of these groups show the change on the next load."""
    for group_id in set(group_ids):
        transaction.on_commit(partial(group_changed, group_id))


# --- steps --------------------------------------------------------------------------


def step_lock(request: DeletionRequest, user: User) -> None:
    """No one logs in as the person any more; every session ends and every
    open socket of theirs closes."""
    User.objects.filter(pk=user.pk).update(is_active=False, password="!")  # noqa: S106
    end_sessions(user.pk)
    publish(user_channel_name(user.pk), "session.ended")


def end_sessions(user_id: int) -> int:
    """Delete every session of the person (found by decoding: sessions are
    not indexed by user), through the session engine so its cache goes too."""
    engine = import_string("django.contrib.sessions.backends.cached_db.SessionStore")
    wanted = str(user_id)
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(
        chunk_size=BATCH
    ):
        data = session.get_decoded()  # Django returns {} for one it cannot read
        if str(data.get("_auth_user_id", "")) == wanted:
            engine(session.session_key).delete()
            ended += 1
    return ended


def step_exports(request: DeletionRequest, user: User) -> None:
    rows = list(ExportRequest.objects.filter(user=user))
    ExportRequest.objects.filter(pk__in=[r.pk for r in rows]).delete()
    _delete_files_after_commit((export_storage(), r.file_name) for r in rows)


def step_memberships(request: DeletionRequest, user: User) -> None:
    memberships_end_for_erasure(user_id=user.pk)


def _mention_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"@" + re.escape(name) + r"(?!\w)", re.IGNORECASE)


def step_mentions(request: DeletionRequest, user: User) -> None:
    """Rewrite "@Their Name" to "@Tidligere medlem" in every stored text and
    rendering: posts, comments, every earlier version, planned posts."""
    name = user.display_name.strip()
    if not name:
        return
    pattern = _mention_pattern(name)
    needle = "@" + name
    replacement = "@" + FORMER_MEMBER
    post_ids = set(Mention.objects.filter(user=user).values_list("post_id", flat=True))
    comment_ids = set(
        Mention.objects.filter(user=user, comment__isnull=False).values_list(
            "comment_id", flat=True
        )
    )
    touched_groups: set[int] = set()
    for post in Post.objects.filter(Q(pk__in=post_ids) | Q(body__icontains=needle)):
        body = pattern.sub(replacement, post.body)
        if body != post.body:
            Post.objects.filter(pk=post.pk).update(
                body=body, body_html=render_markdown(body), version=F("version") + 1
            )
            touched_groups.add(post.group_id)
    for comment in Comment.objects.filter(Q(pk__in=comment_ids) | Q(body__icontains=needle)):
        body = pattern.sub(replacement, comment.body)
        if body != comment.body:
            Comment.objects.filter(pk=comment.pk).update(body=body, body_html=render_markdown(body))
            Post.objects.filter(pk=comment.post_id).update(version=F("version") + 1)
            touched_groups.add(comment.post.group_id)
    for model in (PostRevision, CommentRevision, ScheduledPost):
        for row in model.objects.filter(body__icontains=needle).only("pk", "body"):
            body = pattern.sub(replacement, row.body)
            if body != row.body:
                model.objects.filter(pk=row.pk).update(body=body)
    Mention.objects.filter(user=user).delete()
    _touch_groups(touched_groups)


def _counts(pairs: Iterable[int | None]) -> Counter[int]:
    return Counter(p for p in pairs if p is not None)


def _uncount_reactions(reactions: Any) -> None:
    """Delete reactions and take them off their posts' and comments' counters."""
    rows = list(reactions.values_list("pk", "post_id", "comment_id"))
    by_post = _counts(r[1] for r in rows)
    by_comment = _counts(r[2] for r in rows)
    for start in range(0, len(rows), BATCH * 2):
        Reaction.objects.filter(pk__in=[r[0] for r in rows[start : start + BATCH * 2]]).delete()
    # One reaction per person and item: n is 1 almost always, so one UPDATE per
    # n and batch, not one per item (20,000 reactions: 20 statements, not 20,000).
    for model, counts in ((Post, by_post), (Comment, by_comment)):
        by_n: dict[int, list[int]] = {}
        for item_id, n in counts.items():
            by_n.setdefault(n, []).append(item_id)
        for n, ids in by_n.items():
            for start in range(0, len(ids), BATCH * 2):
                model.objects.filter(pk__in=ids[start : start + BATCH * 2]).update(
                    reaction_count=Greatest(F("reaction_count") - n, 0)
                )
    comment_ids = list(by_comment)
    touched = set(by_post)
    for start in range(0, len(comment_ids), BATCH * 2):
        touched |= set(
            Comment.objects.filter(pk__in=comment_ids[start : start + BATCH * 2]).values_list(
                "post_id", flat=True
            )
        )
    posts = sorted(touched)
    for start in range(0, len(posts), BATCH * 2):
        Post.objects.filter(pk__in=posts[start : start + BATCH * 2]).update(
            version=F("version") + 1
        )


def step_reactions(request: DeletionRequest, user: User) -> None:
    groups = set(
        Reaction.objects.filter(user=user, post__isnull=False).values_list(
            "post__group_id", flat=True
        )
    ) | set(
        Reaction.objects.filter(user=user, comment__isnull=False).values_list(
            "comment__post__group_id", flat=True
        )
    )
    _uncount_reactions(Reaction.objects.filter(user=user))
    _touch_groups(groups)


def step_content(request: DeletionRequest, user: User) -> None:
    """Slet alt: posts (with their photos in every stored size) and comments
    go; a comment someone else answered stays as "[Slettet]" so the
    conversation survives. Anonymisér: everything stays, by no one."""
    groups = set(Post.objects.filter(author=user).values_list("group_id", flat=True)) | set(
        Comment.objects.filter(author=user).values_list("post__group_id", flat=True)
    )
    if request.mode == DeletionMode.EVERYTHING:
        answered = Exists(Comment.objects.filter(parent=OuterRef("pk")).exclude(author_id=user.pk))
        mine = Comment.objects.filter(author=user)
        kept = list(mine.filter(parent__isnull=True).filter(answered).values_list("pk", flat=True))
        CommentRevision.objects.filter(comment_id__in=kept).delete()
        Mention.objects.filter(comment_id__in=kept).delete()
        _uncount_reactions(Reaction.objects.filter(comment_id__in=kept))
        Comment.objects.filter(pk__in=kept).update(
            body=DELETED_COMMENT,
            body_html="<p>" + DELETED_COMMENT + "</p>",
            author=None,
            edited_at=None,
        )
        gone = mine.exclude(pk__in=kept)
        # Replies to a comment that goes go with it: count those too.
        gone_ids = set(gone.values_list("pk", flat=True))
        gone_ids |= set(Comment.objects.filter(parent_id__in=gone_ids).values_list("pk", flat=True))
        visible = _counts(
            Comment.objects.filter(pk__in=gone_ids, state=ContentState.VISIBLE)
            .exclude(post__author=user)
            .values_list("post_id", flat=True)
        )
        for post_id, n in visible.items():
            Post.objects.filter(pk=post_id, comment_count__gte=n).update(
                comment_count=F("comment_count") - n, version=F("version") + 1
            )
        Comment.objects.filter(pk__in=gone_ids).delete()
        post_ids = list(Post.objects.filter(author=user).values_list("pk", flat=True))
        for start in range(0, len(post_ids), BATCH):
            batch = post_ids[start : start + BATCH]
            files = [
                (image.image.storage, name)
                for image in PostImage.objects.filter(post_id__in=batch)
                for name in (image.image.name, image.thumbnail.name)
            ]
            Post.objects.filter(pk__in=batch).delete()
            _delete_files_after_commit(files)
    else:
        Comment.objects.filter(author=user).update(author=None)
        Post.objects.filter(author=user).update(author=None, version=F("version") + 1)
    PostRevision.objects.filter(edited_by=user).update(edited_by=None)
    CommentRevision.objects.filter(edited_by=user).update(edited_by=None)
    _touch_groups(groups)


def step_planned(request: DeletionRequest, user: User) -> None:
    """Planned posts of the person go with their photos (a published one
    lives on as its post)."""
    photos = ScheduledPhoto.objects.filter(scheduled_post__author=user)
    files = [(p.image.storage, n) for p in photos for n in (p.image.name, p.thumbnail.name)]
    ScheduledPost.objects.filter(author=user).delete()
    ScheduledPost.objects.filter(updated_by=user).update(updated_by=None)
    _delete_files_after_commit(files)


def _scrub(text: str, needles: list[str], replacement: str) -> str:
    for needle in needles:
        if needle:
            text = re.sub(re.escape(needle), replacement, text, flags=re.IGNORECASE)
    return text


def _scrub_json(value: Any, needles: list[str], replacement: str) -> Any:
    if isinstance(value, str):
        return _scrub(value, needles, replacement)
    if isinstance(value, list):
        return [_scrub_json(v, needles, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, needles, replacement) for k, v in value.items()}
    return value


def _addresses(user: User) -> list[str]:
    found = {user.email.lower()}
    found |= {
        e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    return sorted(found)


def step_moderation(request: DeletionRequest, user: User) -> None:
    """The log keeps every decision, the person in it becomes "Tidligere
    medlem #n"; their own reports go; cases about their content stay."""
    former = request.former_member_name
    name = user.display_name
    AuditEntry.objects.filter(actor=user).update(actor=None, actor_name=former)
    AuditEntry.objects.filter(target_user=user).update(target_user=None, target_name=former)
    if name:
        for entry in AuditEntry.objects.filter(
            Q(reason__icontains=name)
            | Q(detail__icontains=name)
            | Q(actor_name__iexact=name)
            | Q(target_name__iexact=name)
        ):
            AuditEntry.objects.filter(pk=entry.pk).update(
                reason=_scrub(entry.reason, [name], former),
                detail=_scrub(entry.detail, [name], former),
                actor_name=_scrub(entry.actor_name, [name], former),
                target_name=_scrub(entry.target_name, [name], former),
            )
    Case.objects.filter(author=user).update(author=None)
    Case.objects.filter(resolved_by=user).update(resolved_by=None)
    Flag.objects.filter(user=user).delete()
    # Other people's notifications that name the person in words.
    if name:
        for note in Notification.objects.filter(text__icontains=name).only("pk", "text"):
            Notification.objects.filter(pk=note.pk).update(
                text=_scrub(note.text, [name], FORMER_MEMBER)
            )
    Notification.objects.filter(actor=user).update(actor=None)


def step_directory(request: DeletionRequest, user: User) -> None:
    """Entries the person sent in: those not published go (with their photos);
    a published one belongs to its association and stays, without the
    person's name or addresses. Their coordinator requests go with the notes."""
    needles = [user.display_name, *_addresses(user)]
    entries = Entry.objects.filter(created_by=user)
    unpublished = entries.exclude(status=EntryStatus.PUBLISHED)
    files = [(e.photo.storage, e.photo.name) for e in unpublished if e.photo]
    unpublished.delete()
    for entry in Entry.objects.filter(created_by=user):
        changes: dict[str, Any] = {"created_by": None}
        if entry.contact_email.lower() in needles[1:]:
            changes["contact_email"] = ""
        if user.display_name and entry.contact_name.strip().lower() == user.display_name.lower():
            changes["contact_name"] = ""
        Entry.objects.filter(pk=entry.pk).update(**changes)
    revisions = EntryRevision.objects.filter(submitted_by=user)
    revisions.filter(state__in=[RevisionState.PENDING, RevisionState.CHANGES_REQUESTED]).delete()
    revisions.update(submitted_by=None)
    EntryRevision.objects.filter(decided_by=user).update(decided_by=None)
    condition = Q()
    for needle in needles:
        if needle:
            condition |= Q(summary__icontains=needle)
    for change in EntryChange.objects.filter(condition | Q(actor=user)):
        EntryChange.objects.filter(pk=change.pk).update(
            actor=None,
            summary=_scrub(change.summary, needles, FORMER_MEMBER),
            diff=_scrub_json(change.diff, needles, FORMER_MEMBER),
        )
    coordinator_requests(user).delete()
    _delete_files_after_commit(files)


def step_admin_log(request: DeletionRequest, user: User) -> None:
    """The admin's log of changes to the person's account keeps the change,
    not the name."""
    kind = ContentType.objects.get_for_model(User)
    LogEntry.objects.filter(content_type=kind, object_id=str(user.pk)).update(
        object_repr=request.former_member_name, change_message=""
    )


def step_account(request: DeletionRequest, user: User) -> None:
    """The account row, and with it (CASCADE) every row left that points at
    it: e-mail addresses, login history, consents, notifications, settings,
    push subscriptions (and so unsubscribe keys), WHO-5, favourites."""
    Consent.objects.filter(user=user).delete()
    avatar = (user.avatar.storage, user.avatar.name) if user.avatar else None
    User.objects.filter(pk=user.pk).delete()
    if avatar:
        _delete_files_after_commit([avatar])


STEPS: list[tuple[str, Callable[[DeletionRequest, User], None]]] = [
    ("lock", step_lock),
    ("exports", step_exports),
    ("memberships", step_memberships),
    ("mentions", step_mentions),
    ("reactions", step_reactions),
    ("content", step_content),
    ("planned", step_planned),
    ("moderation", step_moderation),
    ("directory", step_directory),
    ("admin_log", step_admin_log),
    ("account", step_account),
]
