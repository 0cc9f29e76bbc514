"""Posts, photos, comments, reactions, mentions and the feed's event log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from sammen.storage import private_storage
from sammen.themes import Theme as Theme  # re-exported: the themes live in sammen.themes

BODY_MAX_LENGTH = 10_000
COMMENT_MAX_LENGTH = 5_000
MAX_IMAGES = 10
ALT_MAX_LENGTH = 300


class ContentState(models.TextChoices):
    VISIBLE = "visible", _("Synlig")
    PENDING = "pending", _("Afventer godkendelse")
    HIDDEN = "hidden", _("Skjult, afventer gennemgang")
    REMOVED = "removed", _("Fjernet")


class ReactionKind(models.TextChoices):
    LIKE = "like", _("Synes godt om")
    LOVE = "love", _("Elsker")
    HUG = "hug", _("Knus")
    HAHA = "haha", _("Haha")
    WOW = "wow", _("Wow")
    SAD = "sad", _("Trist")


REACTION_EMOJI = {
    ReactionKind.LIKE: "👍",
    ReactionKind.LOVE: "❤️",
    ReactionKind.HUG: "🤗",
    ReactionKind.HAHA: "😄",
    ReactionKind.WOW: "😮",
    ReactionKind.SAD: "😢",
}


def comment_url(post_url: str, comment_id: int) -> str:
    """A link to one comment on its post's page. The page shows the newest
    threads (posts.selectors.POST_PAGE_COMMENTS) unless asked for all
    (`?alle=1`): a link to one comment asks for all, so the comment is on the
    page whatever its age and wherever its thread."""
    return f"{post_url}?alle=1#comment-{comment_id}"


class Post(models.Model):
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="posts")
    subgroup = models.ForeignKey(
        "groups.SubGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts"
    )
    body = models.TextField(_("tekst"), max_length=BODY_MAX_LENGTH)
    # Rendered once on save by posts.rendering.render_markdown; never user HTML.
    body_html = models.TextField(editable=False)
    theme = models.CharField(_("tema"), max_length=12, choices=Theme.choices, blank=True)
    pinned = models.BooleanField(_("fastgjort"), default=False)
    state = models.CharField(
        max_length=10, choices=ContentState.choices, default=ContentState.VISIBLE
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)
    reaction_count = models.PositiveIntegerField(default=0)
    # Bumped with every change a reader can see (the post, its comments, their
    # reactions): rendered post cards are cached under it.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("opslag")
        verbose_name_plural = _("opslag")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["group", "subgroup", "state", "-created_at", "-id"]),
            models.Index(fields=["group", "pinned"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ContentState.values), name="post_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(theme__in=[*Theme.values, ""]), name="post_theme_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.body[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("post-detail", kwargs={"group_slug": self.group.slug, "post_id": self.pk})

    def comment_url(self, comment_id: int) -> str:
        """Where one of its comments is: see `comment_url`."""
        return comment_url(self.get_absolute_url(), comment_id)

    @property
    def excerpt(self) -> str:
        """The opening words as readers see them, without Markdown, for a list."""
        return Truncator(" ".join(strip_tags(self.body_html).split())).chars(60)


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        storage=private_storage,
        upload_to="posts/%Y/%m/",
        width_field="width",
        height_field="height",
    )
    thumbnail = models.ImageField(storage=private_storage, upload_to="posts/%Y/%m/thumbs/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(_("billedbeskrivelse"), max_length=ALT_MAX_LENGTH, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class PostRevision(models.Model):
    """The text a post had before an edit."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_at = models.DateTimeField(default=timezone.now)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-edited_at", "-id"]

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.edited_at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    # One level of replies: a reply's parent is always a top-level comment.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments"
    )
    body = models.TextField(_("kommentar"), max_length=COMMENT_MAX_LENGTH)
    body_html = models.TextField(editable=False)
    state = models.CharField(
        max_length=10, choices=ContentState.choices, default=ContentState.VISIBLE
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    reaction_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("kommentar")
        verbose_name_plural = _("kommentarer")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "created_at", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ContentState.values), name="comment_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.body[:40]}"


class CommentRevision(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_at = models.DateTimeField(default=timezone.now)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-edited_at", "-id"]

    def __str__(self) -> str:
        return f"{self.comment_id} @ {self.edited_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    """One per person per post or comment; changing it updates the row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=8, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(post__isnull=False) & Q(comment__isnull=True))
                | (Q(post__isnull=True) & Q(comment__isnull=False)),
                name="reaction_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "post"],
                condition=Q(post__isnull=False),
                name="reaction_one_per_user_post",
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="reaction_one_per_user_comment",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReactionKind.values), name="reaction_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"


class Mention(models.Model):
    """A member @mentioned in a post or comment; read by notifications."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="mentions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post"],
                condition=Q(comment__isnull=True),
                name="mention_unique_in_post",
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="mention_unique_in_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.user} in {self.post_id}"


class FeedEvent(models.Model):
    """The durable log behind real-time updates.

    Every change a live page shows is a row here, written in the same
    transaction as the change. The channel layer only carries the row's id as
    a signal; a reconnecting client asks for everything after the last id it
    saw, so dropped signals lose nothing.
    """

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    subgroup = models.ForeignKey(
        "groups.SubGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32)
    post = models.ForeignKey(Post, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.ForeignKey(Comment, null=True, on_delete=models.SET_NULL, related_name="+")
    # Who caused it: a reaction re-renders the reaction buttons only for them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    post_ref = models.BigIntegerField(null=True)
    comment_ref = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["group", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
