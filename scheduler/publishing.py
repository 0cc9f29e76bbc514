"""The publisher: every planned post that falls due becomes a post, exactly once.

Exactly-once by construction: a due row is locked with `SELECT ... FOR UPDATE
SKIP LOCKED`, the post is created and the row marked published in the same
transaction. Two workers never take the same row; a worker killed half-way
rolls back both, and the next run takes the row again. A row that cannot be
published is marked failed with the reason, and its author and the group's
planners are e-mailed.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups import services as group_services
from posts import services as post_services
from posts.services import PhotoUpload
from sammen.mail import mail_after_commit
from scheduler import permissions as perms
from scheduler.models import ScheduledPost, ScheduledState
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
    return (
        ScheduledPost.objects.filter(state=ScheduledState.SCHEDULED, publish_at__lte=timezone.now())
        .order_by()[:at_most]
        .count()
    )


def publish_due(*, limit: int | None = None) -> int:
    """Publish every scheduled post that is due, each in its own transaction.

    Safe to run in any number of workers at once: each takes the next due row
    that nobody else holds (SKIP LOCKED). Returns how many rows it handled."""
    handled = 0
    while limit is None or handled < limit:
        with transaction.atomic():
            # of=("self",): lock only the scheduled row, never the joined group,
            # sub-group or author rows (PostgreSQL refuses FOR UPDATE on the nullable
            # side of the sub-group join, and locking the group would make every
            # other row of the group look locked to the next worker).
            row = (
                ScheduledPost.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state=ScheduledState.SCHEDULED, publish_at__lte=timezone.now())
                .select_related("author", "group", "subgroup")
                .order_by("publish_at", "id")
                .first()
            )
            if row is None:
                break
            scheduled_post_publish(scheduled=row)
        handled += 1
    return handled
