"""Inspiration lists (Horsens' lists by theme): services and selectors.

Editors curate a list: a title, an introduction and ordered items, each a
directory entry or an external link (http/https) with a short text. An item
whose entry is not published is left out when the list is read, by itself:
nobody has to remember to take it off.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from directory import permissions as perms
from directory.models import Entry, EntryStatus, InspirationItem, InspirationList


def _touch(lst: InspirationList) -> None:
    InspirationList.objects.filter(pk=lst.pk).update(updated_at=timezone.now())


def list_create(*, actor: Any, theme: str, title: str, introduction: str = "") -> InspirationList:
    perms.require_curate_lists(actor)
    base = slugify(title)[:70] or "liste"
    slug, n = base, 1
    with transaction.atomic():
        while InspirationList.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        order = (InspirationList.objects.aggregate(m=Max("order"))["m"] or 0) + 1
        lst = InspirationList(
            slug=slug, theme=theme, title=title, introduction=introduction, order=order
        )
        lst.full_clean()
        lst.save()
    return lst


def list_update(
    *, actor: Any, lst: InspirationList, theme: str, title: str, introduction: str
) -> InspirationList:
    perms.require_curate_lists(actor)
    with transaction.atomic():
        locked = InspirationList.objects.select_for_update().get(pk=lst.pk)
        locked.theme, locked.title, locked.introduction = theme, title, introduction
        locked.updated_at = timezone.now()
        locked.full_clean()
        locked.save()
    return locked


def list_delete(*, actor: Any, lst: InspirationList) -> None:
    perms.require_curate_lists(actor)
    lst.delete()


def item_add(
    *,
    actor: Any,
    lst: InspirationList,
    entry: Entry | None = None,
    url: str = "",
    link_title: str = "",
    text: str = "",
) -> InspirationItem:
    """Add an entry or a link at the end of the list."""
    perms.require_curate_lists(actor)
    if (entry is None) == (not url):
        raise ValidationError(_("Vælg et fællesskab eller skriv et link – ikke begge dele."))
    if url and not url.lower().startswith(("http://", "https://")):
        raise ValidationError(_("Et link skal begynde med http:// eller https://."))
    if url and not link_title:
        raise ValidationError(_("Giv linket en titel."))
    if entry is not None and entry.status != EntryStatus.PUBLISHED:
        raise ValidationError(_("Vælg et fællesskab, der er offentliggjort."))
    with transaction.atomic():
        InspirationList.objects.select_for_update().get(pk=lst.pk)
        position = (lst.items.aggregate(m=Max("position"))["m"] or 0) + 1
        item = InspirationItem(
            list=lst, position=position, entry=entry, url=url, link_title=link_title, text=text
        )
        item.full_clean()
        item.save()
        _touch(lst)
    return item


def item_update(*, actor: Any, item: InspirationItem, text: str, link_title: str = "") -> None:
    perms.require_curate_lists(actor)
    if item.url and not link_title:
        raise ValidationError(_("Giv linket en titel."))
    with transaction.atomic():
        item.text = text
        if item.url:
            item.link_title = link_title
        item.updated_at = timezone.now()
        item.full_clean()
        item.save(update_fields=["text", "link_title", "updated_at"])
        _touch(item.list)


def item_remove(*, actor: Any, item: InspirationItem) -> None:
    perms.require_curate_lists(actor)
    with transaction.atomic():
        lst = item.list
        item.delete()
        _touch(lst)


def item_move(*, actor: Any, item: InspirationItem, direction: str) -> None:
    """Swap the item with its neighbour above ("up") or below ("down")."""
    perms.require_curate_lists(actor)
    if direction not in ("up", "down"):
        raise ValidationError(_("Vælg op eller ned."))
    with transaction.atomic():
        InspirationList.objects.select_for_update().get(pk=item.list_id)
        items = list(
            InspirationItem.objects.filter(list_id=item.list_id).order_by("position", "pk")
        )
        index = next(i for i, it in enumerate(items) if it.pk == item.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for position, it in enumerate(items, start=1):
            if it.position != position:
                InspirationItem.objects.filter(pk=it.pk).update(position=position)
        _touch(item.list)


# --- Reading ---------------------------------------------------------------------


def public_lists() -> QuerySet[InspirationList]:
    return InspirationList.objects.order_by("order", "title")


def visible_items(lst: InspirationList) -> list[InspirationItem]:
    """The list's items a citizen sees: links, and entries that are published."""
    items = (
        InspirationItem.objects.filter(list=lst)
        .select_related("entry", "entry__area")
        .order_by("position", "pk")
    )
    return [i for i in items if i.entry is None or i.entry.status == EntryStatus.PUBLISHED]


def editing_items(lst: InspirationList) -> list[InspirationItem]:
    """Every item, for the editors (those whose entry is not shown are marked)."""
    return list(
        InspirationItem.objects.filter(list=lst).select_related("entry").order_by("position", "pk")
    )


def lists_with_counts() -> list[InspirationList]:
    visible = InspirationItem.objects.select_related("entry")
    rows: list[InspirationList] = list(
        InspirationList.objects.order_by("order", "title").prefetch_related(
            Prefetch("items", queryset=visible, to_attr="all_items")
        )
    )
    for lst in rows:
        lst.shown = sum(  # type: ignore[attr-defined]
            1
            for i in getattr(lst, "all_items", [])
            if i.entry is None or i.entry.status == EntryStatus.PUBLISHED
        )
    return rows
