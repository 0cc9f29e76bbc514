"""Every write in the directory that this half of issue 15 owns: entries (the
generic create/update that submissions and the demo use), the search index,
Sammen groups listed by their administrators, favourites and the aggregated
search statistics.

Each service checks permission first, then writes inside one transaction. Every
change to an entry is logged (EntryChange). The search index is refreshed in
the same transaction as the write, so a committed entry is always findable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from directory import permissions as perms
from directory import schedule, search
from directory.generation import directory_changed
from directory.models import (
    ActivityType,
    ChangeAction,
    Entry,
    EntryChange,
    EntryDate,
    EntryStatus,
    Favourite,
    OrganiserKind,
    ResultBucket,
    SearchStat,
    SearchStatVisitor,
    TargetGroup,
)
from groups.models import Group, SubGroup
from sammen.images import process_image

PHOTO_MAX_SIDE = 1600
SESSION_FAVOURITES = "directory_favourites"
MAX_SESSION_FAVOURITES = 200

# Fields whose changes the log records (not the derived ones).
LOGGED_FIELDS = (
    "title",
    "description",
    "organiser_kind",
    "organiser_name",
    "theme_mask",
    "min_age",
    "max_age",
    "area_id",
    "place_name",
    "address",
    "rrule",
    "starts_on",
    "ends_on",
    "start_time",
    "end_time",
    "schedule_note",
    "is_free",
    "price_ore",
    "price_note",
    "signup_required",
    "step_free",
    "accessible_toilet",
    "hearing_loop",
    "parking",
    "near_bus",
    "can_come_alone",
    "companion_welcome",
    "contact_name",
    "contact_phone",
    "contact_email",
    "website",
    "photo_alt",
    "status",
    "status_reason",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return value.isoformat()
    return value


def _snapshot(entry: Entry) -> dict[str, Any]:
    return {name: _jsonable(getattr(entry, name)) for name in LOGGED_FIELDS}


def entry_log(
    *, actor: Any, entry: Entry, action: str, summary: str = "", diff: dict | None = None
) -> EntryChange:
    """Add a line to the entry's change log (for services, here and in D2's)."""
    return EntryChange.objects.create(
        entry=entry,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        summary=summary,
        diff=diff or {},
    )


# --- The search index and derived filter fields -----------------------------


def entry_document(entry: Entry) -> search.Document:
    """The entry's searchable text, in the three weighted parts."""
    types = [t.name for t in entry.activity_types.all()]
    targets = [t.name for t in entry.target_groups.all()]
    return search.Document(
        title=entry.title,
        middle=" ".join([*types, entry.organiser_name, *targets]),
        body=" ".join(
            [
                entry.description,
                entry.area.name if entry.area else "",
                entry.place_name,
                entry.address,
                entry.schedule_note,
            ]
        ),
    )


def entry_reindex(*, entry: Entry) -> None:
    """Recompute what is derived from an entry: the weekday and time-of-day
    masks the filters use and the search index. Services call it after every
    write to an entry (D2's too); `manage.py directory_reindex` calls it for all."""
    dates = list(entry.dates.all())
    weekdays, parts = schedule.derived_masks(entry, dates)
    Entry.objects.filter(pk=entry.pk).update(weekday_mask=weekdays, day_part_mask=parts)
    entry.weekday_mask, entry.day_part_mask = weekdays, parts
    search.index_entry(entry.pk, entry_document(entry))
    directory_changed()


def _set_relations(
    entry: Entry,
    *,
    activity_types: Iterable[ActivityType] | None,
    target_groups: Iterable[TargetGroup] | None,
    dates: Sequence[tuple[dt.date, dt.time | None, dt.time | None]] | None,
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if activity_types is not None:
        before = sorted(entry.activity_types.values_list("slug", flat=True))
        entry.activity_types.set(list(activity_types))
        after = sorted(entry.activity_types.values_list("slug", flat=True))
        if before != after:
            changed["activity_types"] = [before, after]
    if target_groups is not None:
        before = sorted(entry.target_groups.values_list("slug", flat=True))
        entry.target_groups.set(list(target_groups))
        after = sorted(entry.target_groups.values_list("slug", flat=True))
        if before != after:
            changed["target_groups"] = [before, after]
    if dates is not None:
        before_dates = [d.isoformat() for d in entry.dates.values_list("date", flat=True)]
        entry.dates.all().delete()
        EntryDate.objects.bulk_create(
            EntryDate(entry=entry, date=day, start_time=start, end_time=end)
            for day, start, end in sorted(set(dates), key=lambda d: (d[0], d[1] or dt.time()))
        )
        after_dates = sorted({d[0].isoformat() for d in dates})
        if sorted(before_dates) != after_dates:
            changed["dates"] = [sorted(before_dates), after_dates]
    return changed


def _set_photo(entry: Entry, photo: UploadedFile | None) -> None:
    if photo is not None:
        # Re-encoded pixels only: no EXIF, no GPS (sammen.images). Public storage:
        # the directory is public by design.
        cleaned = process_image(photo, max_side=PHOTO_MAX_SIDE)
        entry.photo.save(cleaned.name or "photo.jpg", cleaned, save=False)


def entry_create(
    *,
    actor: Any,
    status: str = EntryStatus.DRAFT,
    activity_types: Iterable[ActivityType] = (),
    target_groups: Iterable[TargetGroup] = (),
    dates: Sequence[tuple[dt.date, dt.time | None, dt.time | None]] = (),
    themes: Iterable[str] = (),
    photo: UploadedFile | None = None,
    summary: str = "",
    **fields: Any,
) -> Entry:
    """Create an entry (validated with full_clean), its relations, its index
    and the first line of its log. Only editors (or the system: actor None)
    create entries that are published at once."""
    if (
        status == EntryStatus.PUBLISHED
        and actor is not None
        and not perms.is_directory_editor(actor)
    ):
        raise PermissionDenied
    now = timezone.now()
    entry = Entry(status=status, created_at=now, updated_at=now, **fields)
    entry.themes = list(themes)
    if actor is not None and actor.is_authenticated and entry.created_by_id is None:
        entry.created_by = actor
    if status == EntryStatus.PUBLISHED:
        entry.published_at = entry.published_at or now
        entry.last_confirmed_at = entry.last_confirmed_at or now
    with transaction.atomic():
        _set_photo(entry, photo)
        entry.full_clean()
        entry.save()
        _set_relations(
            entry, activity_types=activity_types, target_groups=target_groups, dates=dates
        )
        entry_reindex(entry=entry)
        entry_log(actor=actor, entry=entry, action=ChangeAction.CREATED, summary=summary)
    return entry


def entry_update(
    *,
    actor: Any,
    entry: Entry,
    activity_types: Iterable[ActivityType] | None = None,
    target_groups: Iterable[TargetGroup] | None = None,
    dates: Sequence[tuple[dt.date, dt.time | None, dt.time | None]] | None = None,
    themes: Iterable[str] | None = None,
    photo: UploadedFile | None = None,
    remove_photo: bool = False,
    action: str = ChangeAction.UPDATED,
    summary: str = "",
    **fields: Any,
) -> Entry:
    """Change an entry's fields (validated) and log what changed. The review
    rules for published entries are the caller's (D2's submission services)."""
    if actor is not None:
        perms.require_edit_entry(actor, entry)
    with transaction.atomic():
        locked = Entry.objects.select_for_update().get(pk=entry.pk)
        before = _snapshot(locked)
        for name, value in fields.items():
            if name not in LOGGED_FIELDS and name not in ("area", "group", "subgroup"):
                raise TypeError(f"entry_update cannot set {name!r}")
            setattr(locked, name, value)
        if themes is not None:
            locked.themes = list(themes)
        if remove_photo and locked.photo:
            locked.photo.delete(save=False)
            locked.photo = ""
        _set_photo(locked, photo)
        locked.updated_at = timezone.now()
        locked.full_clean()
        locked.save()
        after = _snapshot(locked)
        diff: dict[str, Any] = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        diff.update(
            _set_relations(
                locked, activity_types=activity_types, target_groups=target_groups, dates=dates
            )
        )
        if photo is not None:
            diff["photo"] = ["", locked.photo.name]
        entry_reindex(entry=locked)
        if diff or action != ChangeAction.UPDATED:
            entry_log(actor=actor, entry=locked, action=action, summary=summary, diff=diff)
    return locked


# --- Sammen groups in the directory -----------------------------------------


def _group_fields(group: Group, subgroup: SubGroup | None) -> dict[str, Any]:
    if subgroup is not None:
        return {
            "title": subgroup.name,
            "description": (subgroup.description or group.description)[:1500],
            "organiser_name": group.name,
        }
    return {"title": group.name, "description": group.description[:1500], "organiser_name": ""}


def entry_for_group_publish(*, actor: Any, group: Group, subgroup: SubGroup | None = None) -> Entry:
    """List a Sammen group (or one of its sub-groups) in the directory: its
    public face only (name, description), with a "Bliv medlem" link to the
    group's join page. The group's administrators decide; secret groups are
    never listed. Listing again refreshes the name and description."""
    perms.require_list_group(actor, group)
    if subgroup is not None and subgroup.group_id != group.pk:
        raise PermissionDenied
    face = _group_fields(group, subgroup)
    if not face["organiser_name"]:
        face["organiser_name"] = group.name
    with transaction.atomic():
        Group.objects.select_for_update().filter(pk=group.pk).first()
        existing = (
            Entry.objects.select_for_update()
            .filter(group=group, subgroup=subgroup)
            .order_by("pk")
            .first()
        )
        now = timezone.now()
        if existing is None:
            entry = Entry(
                organiser_kind=OrganiserKind.GROUP,
                group=group,
                subgroup=subgroup,
                status=EntryStatus.PUBLISHED,
                created_by=actor,
                created_at=now,
                published_at=now,
                last_confirmed_at=now,
                updated_at=now,
                **face,
            )
            entry.full_clean()
            entry.save()
        else:
            entry = existing
            for name, value in face.items():
                setattr(entry, name, value)
            entry.status = EntryStatus.PUBLISHED
            entry.status_reason = ""
            entry.published_at = entry.published_at or now
            entry.last_confirmed_at = now
            entry.updated_at = now
            entry.full_clean()
            entry.save()
        entry_reindex(entry=entry)
        entry_log(actor=actor, entry=entry, action=ChangeAction.LISTED)
    return entry


def entry_for_group_unpublish(
    *, actor: Any, group: Group, subgroup: SubGroup | None = None
) -> None:
    """Take a listed group (or sub-group) out of the directory (hidden, kept
    with its log so listing it again keeps its history)."""
    perms.require_list_group(actor, group)
    with transaction.atomic():
        for entry in Entry.objects.select_for_update().filter(
            group=group, subgroup=subgroup, status=EntryStatus.PUBLISHED
        ):
            entry.status = EntryStatus.HIDDEN
            entry.updated_at = timezone.now()
            entry.save(update_fields=["status", "updated_at"])
            entry_log(actor=actor, entry=entry, action=ChangeAction.UNLISTED)


def group_join_url(entry: Entry) -> str:
    """Where a listed group's "Bliv medlem" leads: the group's join page."""
    if entry.group is None:
        return ""
    return reverse("group-join", kwargs={"group_slug": entry.group.slug})


# --- Favourites ----------------------------------------------------------------


def favourite_add(*, actor: Any, entry: Entry) -> None:
    """A member saves a published entry (again is fine)."""
    if not actor.is_authenticated:
        raise PermissionDenied
    perms.require_view_entry(actor, entry)
    try:
        with transaction.atomic():
            Favourite.objects.get_or_create(user=actor, entry=entry)
    except IntegrityError:
        pass  # the same save from another tab, a moment earlier


def favourite_remove(*, actor: Any, entry: Entry) -> None:
    if not actor.is_authenticated:
        raise PermissionDenied
    Favourite.objects.filter(user=actor, entry=entry).delete()


def session_favourite_ids(session: SessionBase) -> list[int]:
    value = session.get(SESSION_FAVOURITES, [])
    return [i for i in value if isinstance(i, int)] if isinstance(value, list) else []


def session_favourite_add(*, session: SessionBase, entry: Entry) -> None:
    """A visitor's favourites live in the session (no account needed)."""
    if not entry.is_published:
        raise ValidationError("not published")
    ids = session_favourite_ids(session)
    if entry.pk not in ids:
        ids.insert(0, entry.pk)
        session[SESSION_FAVOURITES] = ids[:MAX_SESSION_FAVOURITES]


def session_favourite_remove(*, session: SessionBase, entry_id: int) -> None:
    ids = session_favourite_ids(session)
    if entry_id in ids:
        ids.remove(entry_id)
        session[SESSION_FAVOURITES] = ids


def favourites_merge_session(*, actor: Any, session: SessionBase) -> int:
    """After logging in, a visitor's saved entries move to their account."""
    ids = session_favourite_ids(session)
    if not ids or not actor.is_authenticated:
        return 0
    published = Entry.objects.filter(pk__in=ids, status=EntryStatus.PUBLISHED).values_list(
        "pk", flat=True
    )
    created = Favourite.objects.bulk_create(
        [Favourite(user=actor, entry_id=pk) for pk in published], ignore_conflicts=True
    )
    session.pop(SESSION_FAVOURITES, None)
    return len(created)


# --- Search statistics ---------------------------------------------------------


def result_bucket(count: int) -> int:
    if count == 0:
        return ResultBucket.NONE
    return ResultBucket.FEW if count <= 2 else ResultBucket.MANY


def _daily_salt(today: dt.date) -> bytes:
    """A random salt for the day, kept only in the cache (never in the
    database), so a day's visitor hashes cannot be recomputed from anything
    stored: after two days nobody can link them to a session."""
    key = f"directory:stat-salt:{today.isoformat()}"
    salt = cache.get(key)
    if salt is None:
        cache.add(key, secrets.token_hex(16), timeout=2 * 24 * 3600)
        salt = cache.get(key) or secrets.token_hex(16)
    return str(salt).encode()


def visitor_hash(*, session_key: str, today: dt.date) -> str:
    return hmac.new(_daily_salt(today), session_key.encode(), hashlib.sha256).hexdigest()[:32]


def search_stat_record(
    *,
    today: dt.date,
    query: str,
    area: str = "",
    target_group: str = "",
    theme: str = "",
    activity_type: str = "",
    other_filters: str = "",
    result_count: int,
    visitor: str = "",
) -> None:
    """Count one search in its month's row (one upsert), and its visitor once
    per row (one insert that ignores a repeat, and one increment if new).
    `visitor` is visitor_hash()'s value or "" when the visitor has no session."""
    month = today.replace(day=1)
    key = {
        "month": month,
        "query": query[:100],
        "area": area[:80],
        "target_group": target_group[:80],
        "theme": theme[:12],
        "activity_type": activity_type[:80],
        "other_filters": other_filters[:200],
        "bucket": result_bucket(result_count),
    }
    # No transaction: each statement is atomic on its own, and a crash between
    # them at worst leaves one person uncounted (a statistic, not a record).
    stat_id = _upsert_stat(key)
    if visitor:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO directory_searchstatvisitor (stat_id, visitor) VALUES (%s, %s) "
                "ON CONFLICT (stat_id, visitor) DO NOTHING RETURNING id",
                [stat_id, visitor],
            )
            new = cursor.fetchone() is not None
        if new:
            SearchStat.objects.filter(pk=stat_id).update(people=F("people") + 1)


def _upsert_stat(key: dict[str, Any]) -> int:
    """INSERT … ON CONFLICT DO UPDATE count = count + 1 RETURNING id (both
    PostgreSQL and SQLite ≥ 3.35 speak it): one round trip."""
    columns = list(key)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = (
        f"INSERT INTO directory_searchstat ({', '.join(columns)}, count, people) "  # noqa: S608
        f"VALUES ({placeholders}, 1, 0) "
        f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET count = directory_searchstat.count + 1 "
        "RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key[c] for c in columns])
        row = cursor.fetchone()
    return int(row[0])


def search_stats_prune(*, today: dt.date) -> int:
    """Forget which (hashed) visitors were counted in months before this one:
    the counts stay, the hashes go. Returns how many were deleted."""
    month = today.replace(day=1)
    deleted, _ = SearchStatVisitor.objects.filter(stat__month__lt=month).delete()
    return deleted
