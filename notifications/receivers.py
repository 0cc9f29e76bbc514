"""Who is told what, when the apps below tell this one (connected in
NotificationsConfig.ready). Each receiver runs in the transaction of the
write that caused it.

The rules: nothing about one's own actions; nothing from a place the person
cannot read; a group's content reaches a person as far as their level there
lets it (Alt, Normal, Kun omtaler, Fra); what is about the person themselves
(their request decided, moderation's word about their post) always does.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent, inbound, tracking
from django.dispatch import receiver

from directory.signals import entry_decided, entry_hidden_stale
from groups import permissions as group_perms
from groups import selectors as group_selectors
from groups.models import Membership, Role
from groups.signals import membership_action, membership_requested
from moderation.signals import author_told, case_needs_attention
from notifications import mail, mailing, selectors, services
from notifications.models import Kind, Level
from posts.models import Comment, Post
from posts.signals import content_published, members_mentioned, posts_published, reaction_given
from scheduler import permissions as scheduler_perms
from scheduler.signals import scheduled_post_failed


def _allowed(user_ids: set[int], post: Post, kind: str) -> set[int]:
    """Those of these people who can read the post's place and whose level
    there lets this kind through."""
    readers = selectors.readers_among(user_ids, post.group, post.subgroup)
    levels = selectors.levels_for(readers, post.group, post.subgroup)
    return {u for u in readers if kind in services.kinds_for_level(levels[u])}


def _new_post_notices(posts: Sequence[tuple[Post, Any]]) -> list[services.Notice]:
    """New posts (each with its author): the author follows it, and everyone
    at "Alt" where it appears is told. The readers at "Alt" are found once
    per place, however many posts appeared there."""
    services.follow_implicitly_many(pairs=[(actor.pk, post) for post, actor in posts])
    at_all: dict[tuple[int, int | None], set[int]] = {}
    notices = []
    for post, actor in posts:
        place = (post.group_id, post.subgroup_id)
        if place not in at_all:
            at_all[place] = selectors.members_at_level(post.group, post.subgroup, Level.ALL)
        notices.append(
            services.Notice(
                recipients=at_all[place],
                kind=Kind.NEW_POST,
                group=post.group,
                actor=actor,
                post=post,
            )
        )
    return notices


def _mention_notices(
    mentions: Sequence[tuple[Post, Comment | None, Any, Collection[int]]],
) -> list[services.Notice]:
    """Those named with @ (post, comment, actor, ids named), as far as they can
    read the place and their level there lets mentions through: judged once
    per place for everyone named there."""
    named_in: dict[tuple[int, int | None], tuple[Post, set[int]]] = {}
    for post, _comment, _actor, user_ids in mentions:
        place = (post.group_id, post.subgroup_id)
        named_in.setdefault(place, (post, set()))[1].update(user_ids)
    allowed = {
        place: _allowed(user_ids, post, Kind.MENTION)
        for place, (post, user_ids) in named_in.items()
    }
    return [
        services.Notice(
            recipients=allowed[(post.group_id, post.subgroup_id)] & set(user_ids),
            kind=Kind.MENTION,
            group=post.group,
            actor=actor,
            post=post,
            comment=comment,
        )
        for post, comment, actor, user_ids in mentions
    ]


@receiver(content_published)
def on_content_published(*, post: Post, comment: Comment | None, actor: Any, **kwargs: Any) -> None:
    if comment is None:
        services.notify_many(notices=_new_post_notices([(post, actor)]))
        return
    # A comment: a reply to the post's author and to the author of the comment
    # answered; a new comment to everyone else who follows the post.
    answered: set[int] = {post.author_id} if post.author_id is not None else set()
    if comment.parent_id is not None:
        parent_author = (
            Comment.objects.filter(pk=comment.parent_id).values_list("author_id", flat=True).first()
        )
        if parent_author is not None:
            answered.add(parent_author)
    answered.discard(actor.pk)
    replied = _allowed(answered, post, Kind.REPLY)
    services.notify(
        recipients=replied,
        kind=Kind.REPLY,
        group=post.group,
        actor=actor,
        post=post,
        comment=comment,
    )
    following = selectors.followers(post) - answered - {actor.pk}
    services.notify(
        recipients=_allowed(following, post, Kind.COMMENT),
        kind=Kind.COMMENT,
        group=post.group,
        actor=actor,
        post=post,
        comment=comment,
    )
    services.follow_implicitly(user_id=actor.pk, post=post)


@receiver(members_mentioned)
def on_members_mentioned(
    *, post: Post, comment: Comment | None, actor: Any, user_ids: list[int], **kwargs: Any
) -> None:
    services.notify_many(notices=_mention_notices([(post, comment, actor, user_ids)]))


@receiver(posts_published)
def on_posts_published(
    *, posts: list[Post], mentioned: dict[int, list[int]], **kwargs: Any
) -> None:
    """A batch of new posts: what content_published and members_mentioned
    would do for each, done once for all (one INSERT of notifications, one
    bell send, the readers of each place read once)."""
    notices = _new_post_notices([(post, post.author) for post in posts])
    notices += _mention_notices(
        [(post, None, post.author, mentioned[post.pk]) for post in posts if post.pk in mentioned]
    )
    services.notify_many(notices=notices)


@receiver(reaction_given)
def on_reaction_given(*, post: Post, comment: Comment | None, actor: Any, **kwargs: Any) -> None:
    author_id = comment.author_id if comment is not None else post.author_id
    if author_id is None or author_id == actor.pk:
        return
    services.notify(
        recipients=_allowed({author_id}, post, Kind.REACTION),
        kind=Kind.REACTION,
        group=post.group,
        actor=actor,
        post=post,
        comment=comment,
    )


@receiver(membership_action)
def on_membership_action(
    *, group: Any, actor: Any, action: str, user_id: int, reason: str = "", **kwargs: Any
) -> None:
    if action in ("member_approve", "member_decline"):
        services.notify(
            recipients={user_id},
            kind=Kind.JOIN_DECIDED,
            group=group,
            actor=actor,
            object_id=1 if action == "member_approve" else 0,
            text=reason,
        )


@receiver(membership_requested)
def on_membership_requested(*, membership: Membership, **kwargs: Any) -> None:
    admins = group_selectors.members_with_roles(group=membership.group, roles=[Role.ADMIN])
    services.notify(
        recipients=set(admins.values_list("user_id", flat=True)),
        kind=Kind.JOIN_REQUEST,
        group=membership.group,
        actor=membership.user,
        object_id=membership.pk,
    )


@receiver(author_told)
def on_author_told(*, notice: Any, **kwargs: Any) -> None:
    services.notify(
        recipients={notice.user_id},
        kind=Kind.MODERATION,
        group=notice.group,
        object_id=notice.pk,
        text=notice.get_action_display(),
    )


@receiver(case_needs_attention)
def on_case_needs_attention(*, case: Any, concern: bool, actor: Any, **kwargs: Any) -> None:
    roles = group_perms.TEAM if concern else group_perms.ADMIN_OR_MODERATOR
    team = group_selectors.members_with_roles(group=case.group, roles=roles)
    services.notify(
        recipients=set(team.values_list("user_id", flat=True))
        - {case.author_id, getattr(actor, "pk", None)},
        kind=Kind.CONCERN if concern else Kind.CASE,
        group=case.group,
        actor=None,  # who reported stays with the moderators' queue
        object_id=case.pk,
    )


@receiver(scheduled_post_failed)
def on_scheduled_post_failed(*, scheduled: Any, **kwargs: Any) -> None:
    if scheduled.group is None:
        return
    planners = group_selectors.members_with_roles(
        group=scheduled.group, roles=scheduler_perms.PLANNER_ROLES
    )
    services.notify(
        recipients={*planners.values_list("user_id", flat=True), scheduled.author_id},
        kind=Kind.PUBLISH_FAILED,
        group=scheduled.group,
        object_id=scheduled.pk,
        text=scheduled.excerpt,
    )


_DIRECTORY_KINDS = {
    "approved": Kind.DIRECTORY_APPROVED,
    "declined": Kind.DIRECTORY_DECLINED,
    "changes_requested": Kind.DIRECTORY_CHANGES,
}


@receiver(entry_decided)
def on_entry_decided(
    *, entry: Any, actor: Any, decision: str, recipient_id: int, **kwargs: Any
) -> None:
    """The submitter hears what the directory's editors decided (also when an
    editor decides on their own entry: it is about the entry, not an action)."""
    services.notify(
        recipients={recipient_id},
        kind=_DIRECTORY_KINDS[decision],
        group=None,
        object_id=entry.pk,
        text=entry.title,
    )


@receiver(entry_hidden_stale)
def on_entry_hidden_stale(*, entry: Any, editor_ids: list[int], **kwargs: Any) -> None:
    services.notify(
        recipients=set(editor_ids),
        kind=Kind.DIRECTORY_STALE,
        group=None,
        object_id=entry.pk,
        text=entry.title,
    )


# --- The e-mail provider's webhooks (anymail) -------------------------------------

STOP_EVENTS = {"bounced", "complained"}


@receiver(tracking)
def on_mail_tracking(*, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    """A hard bounce or a complaint stops mail to that address (a soft bounce
    arrives as "deferred" and changes nothing)."""
    if event.event_type in STOP_EVENTS and event.recipient:
        mailing.address_stop(address=event.recipient, reason=event.event_type)


@receiver(inbound)
def on_mail_inbound(*, event: AnymailInboundEvent, esp_name: str, **kwargs: Any) -> None:
    """The mailto: half of List-Unsubscribe: subject "unsubscribe <token>"."""
    subject = (event.message.subject or "") if event.message else ""
    word, _space, token = subject.strip().partition(" ")
    if word.lower() != "unsubscribe" or not token:
        return
    try:
        row, kind = mail.token_payload(token.strip())
    except mail.BadToken:
        return
    mailing.unsubscribe(row=row, kind=kind)
