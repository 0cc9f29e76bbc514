"""Every write to posts, comments and reactions.

Each service checks permission, writes in one transaction, records a
FeedEvent row in that same transaction and publishes the event id after
commit. Photos are decoded and re-encoded before the transaction opens; if
the transaction fails, the files it stored are deleted, so a post is never
stored without the photos it was sent with, nor photos without their post.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from groups import permissions as group_perms
from groups.models import Group, Membership, MembershipStatus, SubGroup
from posts import permissions as perms
from posts import selectors
from posts.holds import hold_policy
from posts.models import (
    ALT_MAX_LENGTH,
    BODY_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    MAX_IMAGES,
    Comment,
    CommentRevision,
    ContentState,
    FeedEvent,
    Mention,
    Post,
    PostImage,
    PostRevision,
    Reaction,
    ReactionKind,
    Theme,
)
from posts.rendering import render_markdown
from posts.signals import (
    content_held,
    content_published,
    members_mentioned,
    post_viewed,
    posts_published,
    reaction_given,
)
from sammen.events import group_channel_name, publish, publish_many
from sammen.images import process_photo


@dataclass
class PhotoUpload:
    file: UploadedFile
    alt_text: str = ""


class HeldItem(Exception):
    """post_create_many: an item would be held for moderation; create the
    items one by one with post_create instead."""


@dataclass(frozen=True)
class NewPost:
    """One post for post_create_many: post_create's arguments, without photos."""

    actor: User
    group: Group
    subgroup: SubGroup | None
    body: str
    theme: str = ""
    pinned: bool = False


# --- helpers ---------------------------------------------------------------------


def clean_body(body: str, *, max_length: int, what: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Skriv noget, før du sender %(what)s.") % {"what": what})
    if len(body) > max_length:
        raise ValidationError(
            _("Teksten er for lang: %(n)d tegn. Der må højst være %(max)d.")
            % {"n": len(body), "max": max_length}
        )
    return body


def clean_theme(theme: str) -> str:
    theme = theme or ""
    if theme and theme not in Theme.values:
        raise ValidationError(_("Vælg et af temaerne Aktiv, Sammen eller Meningsfuld."))
    return theme


def photos_prepare(photos: Sequence[PhotoUpload]) -> list[tuple[Any, Any, str]]:
    """Check and process uploaded photos before anything is stored: how many,
    their descriptions, and their content (sammen.images). Returns (display,
    thumbnail, alt text) for each, or raises one clear ValidationError."""
    if len(photos) > MAX_IMAGES:
        raise ValidationError(
            _("Du kan højst vedhæfte %(n)d billeder til et opslag.") % {"n": MAX_IMAGES}
        )
    processed = []
    for photo in photos:
        alt = (photo.alt_text or "").strip()
        if len(alt) > ALT_MAX_LENGTH:
            raise ValidationError(
                _("En billedbeskrivelse må højst være %(n)d tegn.") % {"n": ALT_MAX_LENGTH}
            )
        try:
            display, thumb = process_photo(photo.file)
        except ValidationError as exc:
            name = getattr(photo.file, "name", "") or _("billedet")
            raise ValidationError(
                _("%(name)s: %(error)s") % {"name": name, "error": " ".join(exc.messages)}
            ) from None
        processed.append((display, thumb, alt))
    return processed


def record_event(
    *,
    kind: str,
    group: Group,
    subgroup_id: int | None,
    post: Post | None = None,
    comment: Comment | None = None,
    actor: User | None = None,
) -> FeedEvent:
    """Write the durable event row; signal its id to live pages after commit."""
    event = FeedEvent.objects.create(
        kind=kind,
        actor=actor,
        group=group,
        subgroup_id=subgroup_id,
        post=post,
        comment=comment,
        post_ref=post.pk if post is not None else None,
        comment_ref=comment.pk if comment is not None else None,
    )
    if post is not None:
        Post.objects.filter(pk=post.pk).update(version=F("version") + 1)
    publish(group_channel_name(group.pk), kind, event_id=event.pk)
    return event


def live_sync(*, window_seconds: float = 60) -> int:
    """Tell each group with recent events their ids ("feed.sync", as runs of
    consecutive ids). A live page
    that missed one catches up from the database (posts.consumers): the
    signal of an event can be lost on the way when the process that committed
    it dies before it sends (a worker killed in the middle of a batch), when
    what follows its commit fails (a database restart), or when the channel
    layer drops it. Beat sends this every LIVE_SYNC_SECONDS; a page misses an
    event at most that long. Returns how many groups were told."""
    since = timezone.now() - timedelta(seconds=window_seconds)
    recent = selectors.recent_events(since=since)
    publish_many(
        (group_channel_name(group_id), "feed.sync", {"recent": id_ranges(ids)})
        for group_id, ids in recent.items()
    )
    return len(recent)


def id_ranges(ids: Sequence[int]) -> list[list[int]]:
    """Ascending ids as [first, last] runs: a burst of a thousand new posts
    (inserted together, so numbered together) is one pair."""
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def record_events(*, kind: str, posts: Sequence[Post]) -> list[FeedEvent]:
    """record_event for many posts at once: the rows in one INSERT, the posts'
    versions in one UPDATE, and after commit one live signal per group that
    names all its new events, oldest first (`event_ids`)."""
    events = FeedEvent.objects.bulk_create(
        [
            FeedEvent(
                kind=kind,
                group_id=post.group_id,
                subgroup_id=post.subgroup_id,
                post=post,
                post_ref=post.pk,
            )
            for post in posts
        ]
    )
    Post.objects.filter(pk__in=[post.pk for post in posts]).update(version=F("version") + 1)
    by_group: dict[int, list[int]] = {}
    for event in events:
        by_group.setdefault(event.group_id, []).append(event.pk)
    for group_id, ids in by_group.items():
        publish(group_channel_name(group_id), kind, event_ids=sorted(ids))
    return events


_MENTION_START = re.compile(r"(?<![\w@])@(?=\w)")


def _names_by_length(group: Group) -> list[tuple[int, str]]:
    """The group's active members as (id, display name), longest name first."""
    members = Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE).values_list(
        "user_id", "user__display_name"
    )
    return sorted(members, key=lambda m: len(m[1]), reverse=True)


def _find_mentions(
    text: str,
    group: Group,
    exclude_id: int | None,
    names: list[tuple[int, str]] | None = None,
) -> list[int]:
    """Members named after an @ (display names may hold spaces: the longest
    name that the text continues with wins). The writer is never a candidate.
    `names`: the group's _names_by_length, when the caller already read it."""
    if "@" not in text:
        return []
    if names is None:
        names = _names_by_length(group)
    by_length = [m for m in names if m[0] != exclude_id]
    found: list[int] = []
    lowered = text.casefold()
    for match in _MENTION_START.finditer(text):
        rest = lowered[match.end() :]
        for user_id, name in by_length:
            n = name.casefold()
            if n and rest.startswith(n) and (len(rest) == len(n) or not rest[len(n)].isalnum()):
                if user_id not in found:
                    found.append(user_id)
                break
    return found


def _store_mentions(text: str, post: Post, comment: Comment | None, author_id: int) -> list[int]:
    """Store who the text names; the ids named for the first time."""
    named = []
    for user_id in _find_mentions(text, post.group, author_id):
        _mention, created = Mention.objects.get_or_create(
            user_id=user_id, post=post, comment=comment
        )
        if created:
            named.append(user_id)
    return named


def _store_new_posts_mentions(posts: Sequence[Post]) -> dict[int, list[int]]:
    """_store_mentions for posts just created (none has a mention yet): the
    group's names read once, the rows written in one INSERT. {post id: ids named}."""
    names: dict[int, list[tuple[int, str]]] = {}
    named: dict[int, list[int]] = {}
    rows: list[Mention] = []
    for post in posts:
        if "@" not in post.body:
            continue
        if post.group_id not in names:
            names[post.group_id] = _names_by_length(post.group)
        found = _find_mentions(post.body, post.group, post.author_id, names[post.group_id])
        if found:
            named[post.pk] = found
            rows += [Mention(user_id=user_id, post=post) for user_id in found]
    Mention.objects.bulk_create(rows)
    return named


def _tell_published(actor: User, post: Post, comment: Comment | None, named: list[int]) -> None:
    """Tell the apps above that readers can now see this post or comment."""
    content_published.send(sender=Post, post=post, comment=comment, actor=actor)
    if named:
        members_mentioned.send(sender=Post, post=post, comment=comment, actor=actor, user_ids=named)


# --- posts -----------------------------------------------------------------------


def _check_new_post(
    *,
    actor: User,
    group: Group,
    subgroup: SubGroup | None,
    body: str,
    theme: str,
    pinned: bool,
    state: str,
) -> tuple[str, str, str, str]:
    """What a new post must pass, in order: the place, the text, moderation's
    hold, the theme, pinning. Returns (body, theme, state, held reason)."""
    perms.require_write_place(actor, group, subgroup)
    body = clean_body(body, max_length=BODY_MAX_LENGTH, what=_("opslaget"))
    held = hold_policy().reason_to_hold(actor=actor, group=group, body=body, is_post=True)
    if held and state == ContentState.VISIBLE:
        state = ContentState.PENDING
    theme = clean_theme(theme)
    if pinned and not (perms.can_pin(actor, group) and subgroup is None):
        raise PermissionDenied
    return body, theme, state, held


def post_create(
    *,
    actor: User,
    group: Group,
    subgroup: SubGroup | None = None,
    body: str,
    theme: str = "",
    photos: Sequence[PhotoUpload] = (),
    pinned: bool = False,
    state: str = ContentState.VISIBLE,
    created_at: Any = None,
) -> Post:
    """Publish a post in a group or one of its sub-groups. Moderation may
    hold it for approval (a new member's first posts, a keyword): it is then
    stored as pending, shown to its author and moderators, and queued."""
    group_perms.forget_memberships(actor)
    body, theme, state, held = _check_new_post(
        actor=actor,
        group=group,
        subgroup=subgroup,
        body=body,
        theme=theme,
        pinned=pinned,
        state=state,
    )
    processed = photos_prepare(photos)

    stored: list[Any] = []
    try:
        with transaction.atomic():
            post = Post.objects.create(
                group=group,
                subgroup=subgroup,
                author=actor,
                body=body,
                body_html=render_markdown(body),
                theme=theme,
                pinned=pinned,
                state=state,
                created_at=created_at or timezone.now(),
            )
            for position, (display, thumb, alt) in enumerate(processed):
                image = PostImage(post=post, alt_text=alt, position=position)
                image.image.save(display.name, display, save=False)
                stored.append(image.image)
                image.thumbnail.save(thumb.name, thumb, save=False)
                stored.append(image.thumbnail)
                image.save()
            named = _store_mentions(body, post, None, actor.pk)
            if state == ContentState.VISIBLE:
                record_event(
                    kind="post.created", group=group, subgroup_id=post.subgroup_id, post=post
                )
                _tell_published(actor, post, None, named)
            elif held:
                content_held.send(sender=Post, post=post, comment=None, reason=held)
    except Exception:
        for f in stored:
            f.storage.delete(f.name)
        raise
    return post


def post_create_many(*, items: Sequence[NewPost], created_at: Any = None) -> list[Post]:
    """post_create for many posts without photos at once (the weekly plan's
    publisher working off a backlog), returned in the order given.

    Each item is checked exactly as post_create checks it, but all or nothing:
    the first item that fails raises its ValidationError or PermissionDenied
    and nothing is stored, so a caller that must know each item's own fate
    retries the items one by one through post_create. An item that moderation
    would hold refuses the lot too (HeldItem): whether a post is held may
    depend on the posts before it (a new member's first posts), which only
    post_create, one at a time, judges right. Stored in bulk: the posts, their
    mentions and their feed events in one INSERT each, one live signal per
    group, and the apps above told once for all of them (posts_published)
    instead of once per post."""
    if not items:
        return []
    for actor in {id(item.actor): item.actor for item in items}.values():
        group_perms.forget_memberships(actor)
    checked = [
        _check_new_post(
            actor=item.actor,
            group=item.group,
            subgroup=item.subgroup,
            body=item.body,
            theme=item.theme,
            pinned=item.pinned,
            state=ContentState.VISIBLE,
        )
        for item in items
    ]
    if any(held for _body, _theme, _state, held in checked):
        raise HeldItem
    created_at = created_at or timezone.now()
    with transaction.atomic():
        posts = Post.objects.bulk_create(
            [
                Post(
                    group=item.group,
                    subgroup=item.subgroup,
                    author=item.actor,
                    body=body,
                    body_html=render_markdown(body),
                    theme=theme,
                    pinned=item.pinned,
                    state=ContentState.VISIBLE,
                    created_at=created_at,
                )
                for item, (body, theme, _state, _held) in zip(items, checked, strict=True)
            ]
        )
        named = _store_new_posts_mentions(posts)
        record_events(kind="post.created", posts=posts)
        posts_published.send(sender=Post, posts=posts, mentioned=named)
    return posts


def post_update(*, actor: User, post: Post, body: str, theme: str) -> Post:
    """The author edits a post; the earlier text is kept as a revision."""
    group_perms.forget_memberships(actor)
    perms.require_view_post(actor, post)
    perms.require_write_place(actor, post.group, post.subgroup)
    if not perms.can_edit_post(actor, post):
        raise PermissionDenied
    body = clean_body(body, max_length=BODY_MAX_LENGTH, what=_("opslaget"))
    theme = clean_theme(theme)
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.state == ContentState.REMOVED:
            raise ValidationError(_("Opslaget er slettet."))
        if locked.body == body and locked.theme == theme:
            return locked
        if locked.body != body:
            PostRevision.objects.create(post=locked, body=locked.body, edited_by=actor)
        locked.body = body
        locked.body_html = render_markdown(body)
        locked.theme = theme
        locked.edited_at = timezone.now()
        locked.save(update_fields=["body", "body_html", "theme", "edited_at"])
        named = _store_mentions(body, locked, None, actor.pk)
        if named and locked.state == ContentState.VISIBLE:
            members_mentioned.send(
                sender=Post, post=locked, comment=None, actor=actor, user_ids=named
            )
        if locked.state == ContentState.VISIBLE:
            record_event(
                kind="post.updated", group=locked.group, subgroup_id=locked.subgroup_id, post=locked
            )
    return locked


def post_view_record(*, viewer: User, post: Post) -> None:
    """A member opened the post's page (the caller has shown it to them). The
    apps above count it (insights: once per member, post and day); an
    author's look at their own post is not a view."""
    if not getattr(viewer, "is_authenticated", False) or viewer.pk == post.author_id:
        return
    post_viewed.send(sender=Post, post=post, user=viewer)


def post_delete(*, actor: User, post: Post) -> None:
    """The author or a moderator deletes a post. The row stays (state
    removed) so moderation history and live pages can refer to it."""
    group_perms.forget_memberships(actor)
    perms.require_view_post(actor, post)
    if not perms.can_delete_post(actor, post):
        raise PermissionDenied
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.state == ContentState.REMOVED:
            return
        locked.state = ContentState.REMOVED
        locked.pinned = False
        locked.save(update_fields=["state", "pinned"])
        record_event(
            kind="post.deleted", group=locked.group, subgroup_id=locked.subgroup_id, post=locked
        )


def post_set_pinned(*, actor: User, post: Post, pinned: bool) -> Post:
    """Administrators and staff pin announcements to the top of the group feed."""
    group_perms.forget_memberships(actor)
    perms.require_view_post(actor, post)
    if not perms.can_pin(actor, post.group) or post.subgroup_id is not None:
        raise PermissionDenied
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.pinned != pinned:
            locked.pinned = pinned
            locked.save(update_fields=["pinned"])
            record_event(kind="post.updated", group=locked.group, subgroup_id=None, post=locked)
    return locked


def _require_moderator(actor: User | None, group: Group) -> None:
    if actor is not None:
        group_perms.forget_memberships(actor)
        if not perms.is_moderator(actor, group):
            raise PermissionDenied


def post_set_state(*, post: Post, state: str, actor: User | None = None) -> Post:
    """Show, hide, hold or remove a post as moderation decided (moderation's
    rules live in moderation.permissions; `actor` None is the system, e.g.
    hiding after enough flags). Live pages follow: a hidden post disappears
    for members and stays, marked, for its author and moderators; a post shown
    again comes back."""
    if state not in ContentState.values:
        raise ValidationError(_("Ukendt tilstand."))
    _require_moderator(actor, post.group)
    with transaction.atomic():
        locked = Post.objects.select_for_update().select_related("group").get(pk=post.pk)
        if locked.state == state:
            return locked
        if locked.state == ContentState.REMOVED:
            raise ValidationError(_("Opslaget er slettet og kan ikke vises igen."))
        was_held = locked.state == ContentState.PENDING
        locked.state = state
        fields = ["state"]
        if state == ContentState.REMOVED:
            locked.pinned = False
            fields.append("pinned")
        locked.save(update_fields=fields)
        kind = {
            ContentState.VISIBLE: "post.shown",
            ContentState.REMOVED: "post.deleted",
        }.get(ContentState(state), "post.hidden")
        record_event(kind=kind, group=locked.group, subgroup_id=locked.subgroup_id, post=locked)
        if was_held and state == ContentState.VISIBLE:
            _tell_approved(locked, None)
    return locked


def _tell_approved(post: Post, comment: Comment | None) -> None:
    """A held post or comment a moderator let through: readers hear of it now,
    as they would have when it was written."""
    item: Any = comment if comment is not None else post
    if item.author is None:
        return
    named = list(
        Mention.objects.filter(post=post, comment=comment).values_list("user_id", flat=True)
    )
    _tell_published(item.author, post, comment, named)


def comment_set_state(*, comment: Comment, state: str, actor: User | None = None) -> Comment:
    """Show, hide, hold or remove a comment as moderation decided; keeps the
    post's comment count to the visible comments."""
    if state not in ContentState.values:
        raise ValidationError(_("Ukendt tilstand."))
    _require_moderator(actor, comment.post.group)
    with transaction.atomic():
        locked = (
            Comment.objects.select_for_update()
            .select_related("post", "post__group")
            .get(pk=comment.pk)
        )
        if locked.state == state:
            return locked
        if locked.state == ContentState.REMOVED:
            raise ValidationError(_("Kommentaren er slettet og kan ikke vises igen."))
        was_visible = locked.state == ContentState.VISIBLE
        was_held = locked.state == ContentState.PENDING
        locked.state = state
        locked.save(update_fields=["state"])
        if was_held and state == ContentState.VISIBLE:
            _tell_approved(locked.post, locked)
        now_visible = state == ContentState.VISIBLE
        if was_visible and not now_visible:
            Post.objects.filter(pk=locked.post_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
        elif now_visible and not was_visible:
            Post.objects.filter(pk=locked.post_id).update(comment_count=F("comment_count") + 1)
        kind = {
            ContentState.VISIBLE: "comment.shown",
            ContentState.REMOVED: "comment.deleted",
        }.get(ContentState(state), "comment.hidden")
        record_event(
            kind=kind,
            group=locked.post.group,
            subgroup_id=locked.post.subgroup_id,
            post=locked.post,
            comment=locked,
        )
    return locked


# --- comments --------------------------------------------------------------------


def comment_create(*, actor: User, post: Post, body: str, parent_id: int | None = None) -> Comment:
    """Comment on a post, or reply to a top-level comment (one level deep).
    A comment moderation holds is stored as pending and queued."""
    group_perms.forget_memberships(actor)
    perms.require_comment(actor, post)
    body = clean_body(body, max_length=COMMENT_MAX_LENGTH, what=_("kommentaren"))
    held = hold_policy().reason_to_hold(actor=actor, group=post.group, body=body, is_post=False)
    with transaction.atomic():
        parent = None
        if parent_id is not None:
            parent = Comment.objects.filter(pk=parent_id, post=post).first()
            if parent is None or parent.state == ContentState.REMOVED:
                raise ValidationError(_("Kommentaren, du svarer på, findes ikke længere."))
            if parent.parent_id is not None:
                # Replies stay one level deep: answer in the same thread.
                parent = parent.parent
        comment = Comment.objects.create(
            post=post,
            parent=parent,
            author=actor,
            body=body,
            body_html=render_markdown(body),
            state=ContentState.PENDING if held else ContentState.VISIBLE,
        )
        if held:
            content_held.send(sender=Comment, post=post, comment=comment, reason=held)
        else:
            Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        named = _store_mentions(body, post, comment, actor.pk)
        if not held:
            _tell_published(actor, post, comment, named)
        record_event(
            kind="comment.created",
            group=post.group,
            subgroup_id=post.subgroup_id,
            post=post,
            comment=comment,
        )
    return comment


def comment_update(*, actor: User, comment: Comment, body: str) -> Comment:
    group_perms.forget_memberships(actor)
    perms.require_view_post(actor, comment.post)
    if not perms.can_edit_comment(actor, comment):
        raise PermissionDenied
    body = clean_body(body, max_length=COMMENT_MAX_LENGTH, what=_("kommentaren"))
    with transaction.atomic():
        locked = Comment.objects.select_for_update().select_related("post").get(pk=comment.pk)
        if locked.state == ContentState.REMOVED:
            raise ValidationError(_("Kommentaren er slettet."))
        if locked.body == body:
            return locked
        CommentRevision.objects.create(comment=locked, body=locked.body, edited_by=actor)
        locked.body = body
        locked.body_html = render_markdown(body)
        locked.edited_at = timezone.now()
        locked.save(update_fields=["body", "body_html", "edited_at"])
        named = _store_mentions(body, locked.post, locked, actor.pk)
        if named and locked.state == ContentState.VISIBLE:
            members_mentioned.send(
                sender=Post, post=locked.post, comment=locked, actor=actor, user_ids=named
            )
        record_event(
            kind="comment.updated",
            group=locked.post.group,
            subgroup_id=locked.post.subgroup_id,
            post=locked.post,
            comment=locked,
        )
    return locked


def comment_delete(*, actor: User, comment: Comment) -> None:
    group_perms.forget_memberships(actor)
    perms.require_view_post(actor, comment.post)
    if not perms.can_delete_comment(actor, comment):
        raise PermissionDenied
    with transaction.atomic():
        locked = Comment.objects.select_for_update().select_related("post").get(pk=comment.pk)
        if locked.state == ContentState.REMOVED:
            return
        was_visible = locked.state == ContentState.VISIBLE
        locked.state = ContentState.REMOVED
        locked.save(update_fields=["state"])
        if was_visible:
            Post.objects.filter(pk=locked.post_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
        record_event(
            kind="comment.deleted",
            group=locked.post.group,
            subgroup_id=locked.post.subgroup_id,
            post=locked.post,
            comment=locked,
        )


# --- reactions -------------------------------------------------------------------


def reaction_set(
    *, actor: User, post: Post, kind: str | None, comment: Comment | None = None
) -> Reaction | None:
    """Set, change or (kind=None) remove the actor's reaction on a post or on
    one of its comments."""
    group_perms.forget_memberships(actor)
    perms.require_view_post(actor, post)
    perms.require_write_place(actor, post.group, post.subgroup)
    if kind is not None and kind not in ReactionKind.values:
        raise ValidationError(_("Ukendt reaktion."))
    if comment is not None and (
        comment.post_id != post.pk or comment.state != ContentState.VISIBLE
    ):
        raise ValidationError(_("Kommentaren findes ikke længere."))
    if post.state != ContentState.VISIBLE:
        raise ValidationError(_("Du kan ikke reagere på et opslag, der afventer gennemgang."))
    target: dict[str, Any] = {"comment": comment} if comment is not None else {"post": post}
    counter_model: Any = Comment if comment is not None else Post
    counter_pk = comment.pk if comment is not None else post.pk
    with transaction.atomic():
        # Lock the item so two clicks from the same person cannot both insert.
        counter_model.objects.select_for_update().filter(pk=counter_pk).first()
        existing = Reaction.objects.filter(user=actor, **target).first()
        result: Reaction | None
        if kind is None:
            if existing is None:
                return None
            existing.delete()
            counter_model.objects.filter(pk=counter_pk, reaction_count__gt=0).update(
                reaction_count=F("reaction_count") - 1
            )
            result = None
        elif existing is None:
            result = Reaction.objects.create(user=actor, kind=kind, **target)
            counter_model.objects.filter(pk=counter_pk).update(
                reaction_count=F("reaction_count") + 1
            )
        elif existing.kind != kind:
            existing.kind = kind
            existing.save(update_fields=["kind"])
            result = existing
        else:
            return existing
        if result is not None:
            reaction_given.send(
                sender=Reaction, post=post, comment=comment, actor=actor, kind=result.kind
            )
        record_event(
            kind="reaction.changed",
            group=post.group,
            subgroup_id=post.subgroup_id,
            post=post,
            comment=comment,
            actor=actor,
        )
    return result
