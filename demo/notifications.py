"""The demo's notifications (seed_demo's last part). The content seeded before
already told people what a real group would (replies, reactions, the
moderation queue); here their times follow the content's, what is older than a
few days is read, and Birthe (member@example.org) gets a fresh mention and a
new comment on a post she follows, so her bell has something new on first look
(and, after the delay window, an e-mail about the mention on the console)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, DateTimeField, F, OuterRef, Subquery, When
from django.utils import timezone

from accounts.models import User
from groups.models import Group
from notifications.models import Kind, Notification
from posts import services as post_services
from posts.models import Comment, Post

UNREAD_DAYS = 4


def seed_notifications(*, group: Group, member: User, staff: User, moderator: User) -> None:
    """Once: skipped when Birthe already has a mention in the group."""
    if Notification.objects.filter(recipient=member, group=group, kind=Kind.MENTION).exists():
        return
    comment_time = Comment.objects.filter(pk=OuterRef("comment_id")).values("created_at")[:1]
    post_time = Post.objects.filter(pk=OuterRef("post_id")).values("created_at")[:1]
    rows = Notification.objects.filter(group=group)
    rows.update(
        created_at=Case(
            When(comment__isnull=False, then=Subquery(comment_time)),
            When(post__isnull=False, then=Subquery(post_time)),
            default=F("created_at"),
            output_field=DateTimeField(),
        )
    )
    # The history is history: nobody is e-mailed about it now. Only what
    # happens from here on (the two comments below, in ten minutes) is.
    rows.update(updated_at=F("created_at"), email_due_at=None)
    cutoff = timezone.now() - timedelta(days=UNREAD_DAYS)
    rows.filter(updated_at__lt=cutoff).update(read_at=F("updated_at") + timedelta(hours=2))

    post = Post.objects.filter(group=group, author=member, subgroup__isnull=True).first()
    if post is None:
        return
    post_services.comment_create(
        actor=staff,
        post=post,
        body=f"Hvor er det flot, @{member.display_name}! Må vi vise det på næste møde?",
    )
    post_services.comment_create(
        actor=moderator, post=post, body="Enig, det ville være dejligt at se."
    )
