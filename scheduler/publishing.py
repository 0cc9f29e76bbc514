"""The publisher: every planned post that falls due becomes a post, exactly once.

Exactly-once by construction: due rows are locked with `SELECT ... FOR UPDATE
SKIP LOCKED`, a batch of them at a time (SCHEDULER_BATCH_SIZE), and their
posts are created and the rows marked published in the same transaction. Two
workers never take the same row; a worker killed half-way rolls back its
whole batch (posts and rows together), and the next run takes those rows
again. A row that cannot be published is marked failed with the reason, and
its author and the group's planners are e-mailed; the rest of its batch is
published.

A batch is published in bulk (posts.services.post_create_many: one INSERT
of posts, of feed events and of notifications, one live signal per group).
Rows with photos, and every row of a batch whose bulk attempt failed, are
published one by one (scheduled_post_publish), each in its own savepoint, so
a failing row fails alone, with its own reason.

On SQLite (the embedded default) there are no row locks: FOR UPDATE is left
out by Django there, and the database's one writer at a time (transactions
begin IMMEDIATE, sammen/settings.py) is what keeps two publishers apart.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups import permissions as group_perms
from groups import services as group_services
from posts import services as post_services
from posts.models import Post
from posts.services import NewPost, PhotoUpload
from sammen.mail import mail_after_commit
from scheduler import permissions as perms
from scheduler.models import ScheduledPhoto, ScheduledPost, ScheduledState
from scheduler.signals import scheduled_post_failed

logger = logging.getLogger(__name__)


FAILED_SUBJECT = gettext_lazy("Et planlagt opslag kunne ikke udgives i %(group)s")


def _notify_failed(scheduled: ScheduledPost) -> None:
    """Tell the author and the group's staff and administrators (after commit)."""
    subject_params = {"group": scheduled.place_name}
    template, context = "scheduler/email/publish_failed.txt", {"scheduled": scheduled}
    if scheduled.group is None:
        mail_after_commit(scheduled.author, FAILED_SUBJECT, subject_params, template, context)
        return
    group_services.mail_team_after_commit(
        group=scheduled.group,
        roles=perms.PLANNER_ROLES,
        subject=FAILED_SUBJECT,
        subject_params=subject_params,
        template=template,
        context=context,
        also=[scheduled.author],
    )


def _fail(scheduled: ScheduledPost, reason: str) -> None:
    scheduled.state = ScheduledState.FAILED
    scheduled.failure_reason = reason[:300]
    scheduled.version = F("version") + 1
    scheduled.save(update_fields=["state", "failure_reason", "version", "updated_at"])
    scheduled.refresh_from_db(fields=["version"])
    scheduled_post_failed.send(sender=ScheduledPost, scheduled=scheduled)
    _notify_failed(scheduled)
    logger.warning("Scheduled post %s failed: %s", scheduled.pk, reason)


def _photo_uploads(scheduled: ScheduledPost) -> list[PhotoUpload]:
    uploads = []
    for photo in scheduled.photos.all():
        photo.image.open("rb")
        stored = File(photo.image.file, name=photo.image.name)
        uploads.append(PhotoUpload(file=stored, alt_text=photo.alt_text))  # type: ignore[arg-type]
    return uploads


def scheduled_post_publish(*, scheduled: ScheduledPost, now: dt.datetime | None = None) -> None:
    """Publish one due row that the caller holds locked inside its transaction:
    create the post through the posts service (as its author, at the time of
    publishing) and mark the row published; or mark it failed with the reason."""
    now = now or timezone.now()
    group_perms.forget_memberships(scheduled.author)
    reason = perms.cannot_publish_reason(
        scheduled.author,
        scheduled.group,
        lost_subgroup=scheduled.for_subgroup and scheduled.subgroup_id is None,
    )
    if reason:
        _fail(scheduled, reason)
        return
    assert scheduled.group is not None
    uploads: list[PhotoUpload] = []
    try:
        with transaction.atomic():
            uploads = _photo_uploads(scheduled)
            post = post_services.post_create(
                actor=scheduled.author,
                group=scheduled.group,
                subgroup=scheduled.subgroup,
                body=scheduled.body,
                theme=scheduled.theme,
                photos=uploads,
                pinned=scheduled.pinned and scheduled.subgroup_id is None,
                created_at=now,
            )
    except ValidationError as exc:
        _fail(scheduled, " ".join(exc.messages))
        return
    except PermissionDenied:
        _fail(scheduled, _("Forfatteren må ikke længere skrive dette sted."))
        return
    except OSError:
        # A photo file gone missing or unreadable.
        logger.exception("Scheduled post %s could not be published", scheduled.pk)
        _fail(scheduled, _("Et af billederne kunne ikke læses. Tilføj billederne igen."))
        return
    except Exception:
        # Anything else (a bug, a database error inside the savepoint): fail this
        # row with a reason rather than retry it on every tick, where, being the
        # oldest due row, it would hold back every row behind it.
        logger.exception("Scheduled post %s could not be published", scheduled.pk)
        _fail(
            scheduled,
            _("Der opstod en teknisk fejl ved udgivelsen. Prøv at planlægge opslaget igen."),
        )
        return
    finally:
        for upload in uploads:
            upload.file.close()
    scheduled.state = ScheduledState.PUBLISHED
    scheduled.post = post
    scheduled.published_at = now
    scheduled.save(update_fields=["state", "post", "published_at", "updated_at"])


def due_count(*, at_most: int) -> int:
    """How many planned posts are due now (counting no further than at_most)."""
    return _due().order_by()[:at_most].count()


def _due() -> QuerySet[ScheduledPost]:
    return ScheduledPost.objects.filter(
        state=ScheduledState.SCHEDULED, publish_at__lte=timezone.now()
    )


def publish_due(*, limit: int | None = None) -> int:
    """Publish every scheduled post that is due, a batch per transaction.

    Safe to run in any number of workers at once: each takes the next due rows
    that nobody else holds (SKIP LOCKED). Returns how many rows it handled."""
    size = max(1, int(settings.SCHEDULER_BATCH_SIZE))
    handled = 0
    while limit is None or handled < limit:
        taken = publish_batch(size=size if limit is None else min(size, limit - handled))
        if not taken:
            break
        handled += taken
    return handled


def publish_batch(*, size: int) -> int:
    """Lock up to `size` due rows that no other publisher holds, oldest first,
    and publish or fail each of them, all in one transaction. Returns how
    many rows it took (0: nothing left that is due and free)."""
    with transaction.atomic():
        # of=("self",): lock only the scheduled rows, never the joined group,
        # sub-group or author rows (PostgreSQL refuses FOR UPDATE on the nullable
        # side of the sub-group join, and locking the group would make every
        # other row of the group look locked to the next worker).
        rows = list(
            _due()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("author", "group", "subgroup")
            .order_by("publish_at", "id")[:size]
        )
        if rows:
            _publish_rows(rows, now=timezone.now())
    return len(rows)


def _publish_rows(rows: list[ScheduledPost], *, now: dt.datetime) -> None:
    """Publish locked rows at `now`: the rows that may be published and have
    no photos in bulk; if that fails, every one of them alone, as do rows
    with photos. Rows that may not be published fail with their reason."""
    # One author object per person, so that each person's memberships are read
    # once for the batch (they are cached on the user object).
    authors: dict[int, Any] = {}
    for row in rows:
        row.author = authors.setdefault(row.author_id, row.author)
    for author in authors.values():
        group_perms.forget_memberships(author)
    ready: list[ScheduledPost] = []
    for row in rows:
        reason = perms.cannot_publish_reason(
            row.author, row.group, lost_subgroup=row.for_subgroup and row.subgroup_id is None
        )
        if reason:
            _fail(row, reason)
        else:
            ready.append(row)
    with_photos = set(
        ScheduledPhoto.objects.filter(scheduled_post__in=ready).values_list(
            "scheduled_post_id", flat=True
        )
    )
    plain = [row for row in ready if row.pk not in with_photos]
    alone = [row for row in ready if row.pk in with_photos]
    if plain and not _publish_in_bulk(plain, now=now):
        alone = sorted(plain + alone, key=lambda row: (row.publish_at, row.pk))
    for row in alone:
        scheduled_post_publish(scheduled=row, now=now)


def _publish_in_bulk(rows: list[ScheduledPost], *, now: dt.datetime) -> bool:
    """All these rows' posts at once, in a savepoint. False (and nothing
    written) if any of them failed: the caller then learns which, one by one."""
    items = []
    for row in rows:
        assert row.group is not None  # a row without its group failed its check
        items.append(
            NewPost(
                actor=row.author,
                group=row.group,
                subgroup=row.subgroup,
                body=row.body,
                theme=row.theme,
                pinned=row.pinned and row.subgroup_id is None,
            )
        )
    try:
        with transaction.atomic():
            posts = post_services.post_create_many(items=items, created_at=now)
            _mark_published(rows, posts, now=now)
    except Exception:
        # Expected for a row that fails its checks (the author paused, a text
        # that is empty); the rows are published one by one, each with its fate.
        logger.info(
            "Publishing %d scheduled posts together failed; publishing them one by one",
            len(rows),
            exc_info=True,
        )
        return False
    for row, post in zip(rows, posts, strict=True):
        row.state = ScheduledState.PUBLISHED
        row.post = post
        row.published_at = now
        row.updated_at = now
    return True


def _mark_published(rows: list[ScheduledPost], posts: list[Post], *, now: dt.datetime) -> None:
    """Each row published, pointing at its own post, in one UPDATE joined to a
    VALUES list (row id, post id). Not Case/When (or bulk_update, which is the
    same): compiling a CASE of 100 branches cost Django 30-80 ms a batch, more
    than the rest of the batch's SQL. PostgreSQL and SQLite (3.33+) both speak
    UPDATE … FROM, and both name a VALUES list's columns column1, column2."""
    table = connection.ops.quote_name(ScheduledPost._meta.db_table)
    pairs = ", ".join(["(%s, %s)"] * len(rows))
    # As the field would store it (SQLite keeps datetimes as text, in UTC).
    at = ScheduledPost._meta.get_field("published_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, published_at = %s, updated_at = %s, "  # noqa: S608 - a model's table
            f"post_id = v.column2 FROM (VALUES {pairs}) AS v WHERE {table}.id = v.column1",
            [
                ScheduledState.PUBLISHED.value,
                at,
                at,
                *(
                    value
                    for row, post in zip(rows, posts, strict=True)
                    for value in (row.pk, post.pk)
                ),
            ],
        )
