"""Every write of the weekly plan: slots, planned posts, copying a week.
Publishing what falls due is scheduler.publishing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from groups import permissions as group_perms
from groups.models import Group, SubGroup
from posts import permissions as post_perms
from posts import services as post_services
from posts.models import BODY_MAX_LENGTH, MAX_IMAGES
from posts.services import PhotoUpload
from scheduler import localtime
from scheduler import permissions as perms
from scheduler.models import ScheduledPhoto, ScheduledPost, ScheduledState, Slot

logger = logging.getLogger(__name__)

TITLE_HINT_MAX = 120


# --- helpers ---------------------------------------------------------------------


def _check_place(actor: User, group: Group, subgroup: SubGroup | None) -> None:
    if subgroup is None:
        return
    if subgroup.group_id != group.pk:
        raise ValidationError(_("Undergruppen hører ikke til denne gruppe."))
    if not post_perms.can_write_place(actor, group, subgroup):
        raise ValidationError(
            _("Du kan kun planlægge opslag i undergrupper, du selv er medlem af.")
        )


def _check_time(publish_at: dt.datetime | None, *, required: bool) -> None:
    if publish_at is None:
        if required:
            raise ValidationError(_("Vælg dato og klokkeslæt for, hvornår opslaget skal udgives."))
        return
    if publish_at <= timezone.now():
        raise ValidationError(
            _("Tidspunktet er allerede passeret. Vælg et tidspunkt ude i fremtiden.")
        )


def _store_photos(
    scheduled: ScheduledPost, processed: list[tuple[Any, Any, str]], start: int, stored: list[Any]
) -> None:
    for offset, (display, thumb, alt) in enumerate(processed):
        photo = ScheduledPhoto(scheduled_post=scheduled, alt_text=alt, position=start + offset)
        photo.image.save(display.name, display, save=False)
        stored.append(photo.image)
        photo.thumbnail.save(thumb.name, thumb, save=False)
        stored.append(photo.thumbnail)
        photo.save()


def _delete_files(files: list[Any]) -> None:
    for f in files:
        try:
            f.storage.delete(f.name)
        except OSError:  # pragma: no cover - storage trouble must not hide the error
            logger.warning("Could not delete %s", f.name)


def _lock(scheduled: ScheduledPost) -> ScheduledPost:
    """Lock the row for an edit. A row being published right now is locked by
    the publisher: say so at once instead of waiting for it."""
    try:
        return ScheduledPost.objects.select_for_update(nowait=True).get(pk=scheduled.pk)
    except DatabaseError:
        raise ValidationError(
            _("Opslaget bliver udgivet lige nu. Vent et øjeblik, og se det så i gruppen."),
            code="publishing",
        ) from None


def _check_editable(locked: ScheduledPost, version: int | None) -> None:
    if locked.state == ScheduledState.PUBLISHED:
        raise ValidationError(
            _("Opslaget er allerede udgivet. Ret det i gruppen, hvis der skal ændres noget."),
            code="published",
        )
    if locked.state == ScheduledState.CANCELLED:
        raise ValidationError(_("Opslaget er annulleret."), code="cancelled")
    if version is not None and locked.version != version:
        raise ValidationError(
            _(
                "%(name)s har ændret opslaget, mens du arbejdede på det. Din ændring er ikke "
                "gemt: se den nye udgave, og ret den igen."
            )
            % {"name": locked.updated_by.display_name if locked.updated_by else _("En anden")},
            code="stale",
        )


def _require_plan_for(actor: User, scheduled: ScheduledPost) -> Group:
    """The group of a planned post, if the actor may plan there."""
    if scheduled.group is None:
        raise ValidationError(_("Gruppen findes ikke længere."))
    group_perms.forget_memberships(actor)
    perms.require_plan(actor, scheduled.group)
    return scheduled.group


def _place_name(group: Group, subgroup: SubGroup | None) -> str:
    return f"{group.name} › {subgroup.name}" if subgroup else group.name


# --- slots -----------------------------------------------------------------------


def slot_create(
    *,
    actor: User,
    group: Group,
    subgroup: SubGroup | None = None,
    weekday: int,
    local_time: dt.time,
    theme: str = "",
    title_hint: str = "",
) -> Slot:
    group_perms.forget_memberships(actor)
    perms.require_plan(actor, group)
    if subgroup is not None and subgroup.group_id != group.pk:
        raise ValidationError(_("Undergruppen hører ikke til denne gruppe."))
    fields = _clean_slot(weekday, local_time, theme, title_hint)
    with transaction.atomic():
        return Slot.objects.create(group=group, subgroup=subgroup, created_by=actor, **fields)


def _clean_slot(weekday: Any, local_time: Any, theme: str, title_hint: str) -> dict[str, Any]:
    try:
        weekday = int(weekday)
    except (TypeError, ValueError):
        weekday = -1
    if not 0 <= weekday <= 6:
        raise ValidationError(_("Vælg en ugedag fra mandag til søndag."))
    if not isinstance(local_time, dt.time):
        raise ValidationError(_("Skriv klokkeslættet som TT:MM, fx 09:00."))
    title_hint = (title_hint or "").strip()
    if len(title_hint) > TITLE_HINT_MAX:
        raise ValidationError(_("Idéen må højst være %(n)d tegn.") % {"n": TITLE_HINT_MAX})
    return {
        "weekday": weekday,
        "local_time": local_time.replace(second=0, microsecond=0, tzinfo=None),
        "theme": post_services.clean_theme(theme),
        "title_hint": title_hint,
    }


def slot_update(
    *,
    actor: User,
    slot: Slot,
    subgroup: SubGroup | None = None,
    weekday: int,
    local_time: dt.time,
    theme: str = "",
    title_hint: str = "",
) -> Slot:
    group_perms.forget_memberships(actor)
    perms.require_plan(actor, slot.group)
    if subgroup is not None and subgroup.group_id != slot.group_id:
        raise ValidationError(_("Undergruppen hører ikke til denne gruppe."))
    fields = _clean_slot(weekday, local_time, theme, title_hint)
    with transaction.atomic():
        locked = Slot.objects.select_for_update().get(pk=slot.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.subgroup = subgroup
        locked.save(update_fields=[*fields, "subgroup"])
    return locked


def slot_delete(*, actor: User, slot: Slot) -> None:
    """Remove a recurring slot. Posts already planned into it stay planned."""
    group_perms.forget_memberships(actor)
    perms.require_plan(actor, slot.group)
    with transaction.atomic():
        Slot.objects.filter(pk=slot.pk).delete()


# --- scheduled posts -------------------------------------------------------------


def scheduled_post_create(
    *,
    actor: User,
    group: Group,
    subgroup: SubGroup | None = None,
    body: str,
    theme: str = "",
    photos: Sequence[PhotoUpload] = (),
    pinned: bool = False,
    publish_at: dt.datetime | None = None,
    draft: bool = False,
    slot: Slot | None = None,
) -> ScheduledPost:
    """Plan a post (or save a draft). Photos are checked and processed now, so
    a photo problem shows while the author is still at the form."""
    group_perms.forget_memberships(actor)
    perms.require_plan(actor, group)
    _check_place(actor, group, subgroup)
    body = post_services.clean_body(body, max_length=BODY_MAX_LENGTH, what=_("opslaget"))
    theme = post_services.clean_theme(theme)
    _check_time(publish_at, required=not draft)
    if pinned and subgroup is not None:
        raise ValidationError(_("Kun opslag i selve gruppen kan fastgøres øverst."))
    if slot is not None and slot.group_id != group.pk:
        slot = None
    slot = _matching_slot(slot, publish_at, group.pk)
    processed = post_services.photos_prepare(photos)
    stored: list[Any] = []
    try:
        with transaction.atomic():
            scheduled = ScheduledPost.objects.create(
                group=group,
                subgroup=subgroup,
                for_subgroup=subgroup is not None,
                place_name=_place_name(group, subgroup),
                author=actor,
                updated_by=actor,
                body=body,
                theme=theme,
                pinned=pinned,
                state=ScheduledState.DRAFT if draft else ScheduledState.SCHEDULED,
                publish_at=publish_at,
                slot=slot,
            )
            _store_photos(scheduled, processed, 0, stored)
    except Exception:
        _delete_files(stored)
        raise
    return scheduled


def scheduled_post_update(
    *,
    actor: User,
    scheduled: ScheduledPost,
    version: int | None,
    subgroup: SubGroup | None = None,
    body: str,
    theme: str = "",
    pinned: bool = False,
    publish_at: dt.datetime | None = None,
    draft: bool = False,
    add_photos: Sequence[PhotoUpload] = (),
    remove_photo_ids: Sequence[int] = (),
) -> ScheduledPost:
    """Edit a draft, a planned or a failed post. A failed post saved with a new
    time is planned again."""
    group = _require_plan_for(actor, scheduled)
    _check_place(actor, group, subgroup)
    body = post_services.clean_body(body, max_length=BODY_MAX_LENGTH, what=_("opslaget"))
    theme = post_services.clean_theme(theme)
    _check_time(publish_at, required=not draft)
    if pinned and subgroup is not None:
        raise ValidationError(_("Kun opslag i selve gruppen kan fastgøres øverst."))
    processed = post_services.photos_prepare(add_photos)
    stored: list[Any] = []
    removed: list[Any] = []
    try:
        with transaction.atomic():
            locked = _lock(scheduled)
            _check_editable(locked, version)
            keep = list(locked.photos.exclude(pk__in=list(remove_photo_ids)))
            if len(keep) + len(processed) > MAX_IMAGES:
                raise ValidationError(
                    _("Du kan højst vedhæfte %(n)d billeder til et opslag.") % {"n": MAX_IMAGES}
                )
            for photo in locked.photos.filter(pk__in=list(remove_photo_ids)):
                removed += [photo.image, photo.thumbnail]
                photo.delete()
            _store_photos(locked, processed, len(keep) and keep[-1].position + 1, stored)
            if publish_at != locked.publish_at:
                locked.slot = _matching_slot(locked.slot, publish_at, locked.group_id)
            locked.subgroup = subgroup
            locked.for_subgroup = subgroup is not None
            locked.place_name = _place_name(group, subgroup)
            locked.body = body
            locked.theme = theme
            locked.pinned = pinned
            locked.publish_at = publish_at
            locked.state = ScheduledState.DRAFT if draft else ScheduledState.SCHEDULED
            locked.failure_reason = ""
            locked.updated_by = actor
            locked.version = F("version") + 1
            locked.save()
            locked.refresh_from_db()
    except Exception:
        _delete_files(stored)
        raise
    transaction.on_commit(lambda: _delete_files(removed))
    return locked


def _matching_slot(
    slot: Slot | None, publish_at: dt.datetime | None, group_id: int | None = None
) -> Slot | None:
    """The slot a post fills: its own while it still sits at the slot's time,
    else (given the group) the group's slot at that weekday and time, if any,
    so a post planned at 09:00 on a Monday fills the Monday 09:00 slot however
    it was planned."""
    if publish_at is None:
        return None
    at = localtime.local(publish_at)
    weekday, time = at.weekday(), at.time().replace(tzinfo=None)
    if slot is not None and slot.weekday == weekday and slot.local_time == time:
        return slot
    if group_id is None:
        return None
    return Slot.objects.filter(group_id=group_id, weekday=weekday, local_time=time).first()


def scheduled_post_move(
    *, actor: User, scheduled: ScheduledPost, version: int | None, publish_at: dt.datetime
) -> ScheduledPost:
    """Move a planned post (or a draft, which stays a draft) to another time."""
    _require_plan_for(actor, scheduled)
    _check_time(publish_at, required=True)
    with transaction.atomic():
        locked = _lock(scheduled)
        _check_editable(locked, version)
        locked.slot = _matching_slot(locked.slot, publish_at, locked.group_id)
        locked.publish_at = publish_at
        if locked.state == ScheduledState.FAILED:
            locked.state = ScheduledState.SCHEDULED
            locked.failure_reason = ""
        locked.updated_by = actor
        locked.version = F("version") + 1
        locked.save(
            update_fields=[
                "slot",
                "publish_at",
                "state",
                "failure_reason",
                "updated_by",
                "version",
                "updated_at",
            ]
        )
        locked.refresh_from_db()
    return locked


def scheduled_post_cancel(
    *, actor: User, scheduled: ScheduledPost, version: int | None = None
) -> ScheduledPost:
    _require_plan_for(actor, scheduled)
    with transaction.atomic():
        locked = _lock(scheduled)
        _check_editable(locked, version)
        locked.state = ScheduledState.CANCELLED
        locked.updated_by = actor
        locked.version = F("version") + 1
        locked.save(update_fields=["state", "updated_by", "version", "updated_at"])
        locked.refresh_from_db()
    return locked


def _same_wall_time_later(publish_at: dt.datetime | None, days: int) -> dt.datetime | None:
    """The same local wall-clock time `days` later (09:00 stays 09:00 across DST),
    or None if that moment does not exist, happens twice or is not in the future."""
    if publish_at is None:
        return None
    at = localtime.local(publish_at)
    try:
        when = localtime.to_instant(at.date() + dt.timedelta(days=days), at.time(), "")
    except ValidationError:
        return None
    return when if when > timezone.now() else None


def _copy(
    actor: User, source: ScheduledPost, publish_at: dt.datetime | None, stored: list[Any]
) -> ScheduledPost:
    copy = ScheduledPost.objects.create(
        group=source.group,
        subgroup=source.subgroup,
        for_subgroup=source.for_subgroup,
        place_name=source.place_name,
        author=actor,
        updated_by=actor,
        body=source.body,
        theme=source.theme,
        pinned=source.pinned,
        state=ScheduledState.SCHEDULED if publish_at else ScheduledState.DRAFT,
        publish_at=publish_at,
        slot=_matching_slot(source.slot, publish_at, source.group_id),
    )
    for photo in source.photos.all():
        new = ScheduledPhoto(scheduled_post=copy, alt_text=photo.alt_text, position=photo.position)
        for field in ("image", "thumbnail"):
            original = getattr(photo, field)
            with original.open("rb") as fh:
                getattr(new, field).save(
                    original.name.rsplit("/", 1)[-1], ContentFile(fh.read()), save=False
                )
            stored.append(getattr(new, field))
        new.save()
    return copy


def scheduled_post_duplicate(*, actor: User, scheduled: ScheduledPost) -> ScheduledPost:
    """A copy to work on: a draft at the same time a week later (or without a
    time, if that is not possible), with the same text, theme and photos."""
    _require_plan_for(actor, scheduled)
    stored: list[Any] = []
    try:
        with transaction.atomic():
            copy = _copy(actor, scheduled, _same_wall_time_later(scheduled.publish_at, 7), stored)
            copy.state = ScheduledState.DRAFT
            copy.save(update_fields=["state"])
    except Exception:
        _delete_files(stored)
        raise
    return copy


COPYABLE = (ScheduledState.DRAFT, ScheduledState.SCHEDULED, ScheduledState.PUBLISHED)


def week_copy(
    *, actor: User, group: Group, source_monday: dt.date, target_monday: dt.date
) -> tuple[list[ScheduledPost], list[ScheduledPost]]:
    """Copy a whole week's plan to a later week, at the same weekdays and local
    times. Published and planned posts are planned again; drafts stay drafts.
    Returns (copies, skipped): posts whose new time has passed or does not exist
    (a DST night) are skipped and named."""
    group_perms.forget_memberships(actor)
    perms.require_plan(actor, group)
    if source_monday.weekday() != 0 or target_monday.weekday() != 0:
        raise ValidationError(_("Vælg en hel uge."))
    if target_monday <= source_monday:
        raise ValidationError(_("Vælg en senere uge at kopiere til."))
    days = (target_monday - source_monday).days
    start, end = localtime.week_bounds(source_monday)
    sources = list(
        ScheduledPost.objects.filter(
            group=group, publish_at__gte=start, publish_at__lt=end, state__in=COPYABLE
        ).prefetch_related("photos")
    )
    if not sources:
        raise ValidationError(_("Der er ingen opslag i ugen at kopiere."))
    copies: list[ScheduledPost] = []
    skipped: list[ScheduledPost] = []
    stored: list[Any] = []
    try:
        with transaction.atomic():
            for source in sources:
                when = _same_wall_time_later(source.publish_at, days)
                if when is None:
                    skipped.append(source)
                    continue
                copy = _copy(actor, source, when, stored)
                if source.state == ScheduledState.DRAFT:
                    copy.state = ScheduledState.DRAFT
                    copy.save(update_fields=["state"])
                copies.append(copy)
    except Exception:
        _delete_files(stored)
        raise
    return copies, skipped
