"""The weekly plan's pages. Thin: a form parses, a service writes, a selector reads.

Every page is for the group's staff and administrators (scheduler.permissions);
a member gets 403, anyone who may not read the group 404. Every action is a
plain form POST that works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import User
from groups.models import Group
from posts import permissions as post_perms
from posts.models import Post
from posts.rendering import render_markdown
from sammen.dates import format_for
from sammen.http import messages_from_error, private_file
from scheduler import localtime, selectors, services
from scheduler import permissions as perms
from scheduler.forms import CopyWeekForm, MoveForm, ScheduledPostForm, SlotForm, week_label
from scheduler.models import ScheduledPhoto, ScheduledPost, ScheduledState, Slot

UPCOMING_PER_PAGE = 25


def _actor(request: HttpRequest) -> User:
    """The logged-in person (every view here is login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _group(request: HttpRequest, group_slug: str) -> Group:
    """The group, if the viewer may plan in it (404 for outsiders, 403 for members)."""
    group = get_object_or_404(Group, slug=group_slug)
    perms.require_plan(request.user, group)
    return group


def _scheduled(request: HttpRequest, group_slug: str, scheduled_id: int) -> tuple[Group, Any]:
    group = _group(request, group_slug)
    scheduled = get_object_or_404(
        ScheduledPost.objects.select_related("author", "subgroup", "updated_by"),
        pk=scheduled_id,
        group=group,
    )
    return group, scheduled


def _context(request: HttpRequest, group: Group, **extra: Any) -> dict[str, Any]:
    """The group (its header is the pages app's `group_header` tag) and
    whether the viewer may pin what they plan."""
    return {"group": group, "can_pin": post_perms.can_pin(request.user, group), **extra}


def _week_url(group: Group, monday: dt.date) -> str:
    year, week, _day = monday.isocalendar()
    return reverse("plan-week", kwargs={"group_slug": group.slug, "year": year, "week": week})


def _back_to_week(group: Group, scheduled: ScheduledPost) -> HttpResponse:
    if scheduled.publish_at is None:
        return redirect("plan", group_slug=group.slug)
    return redirect(
        _week_url(group, localtime.monday_of(localtime.local(scheduled.publish_at).date()))
    )


# --- the week and the list -------------------------------------------------------


@login_required
def plan(request: HttpRequest, group_slug: str) -> HttpResponse:
    return plan_week(request, group_slug)


@login_required
def plan_week(
    request: HttpRequest, group_slug: str, year: int | None = None, week: int | None = None
) -> HttpResponse:
    group = _group(request, group_slug)
    if year is None or week is None:
        monday = localtime.monday_of(localtime.now_local().date())
    else:
        try:
            monday = localtime.monday_of_iso_week(year, week)
        except ValueError:
            raise Http404 from None
    week_plan = selectors.week_plan(group=group, monday=monday)
    this_monday = localtime.monday_of(localtime.now_local().date())
    return render(
        request,
        "scheduler/week.html",
        _context(
            request,
            group,
            plan=week_plan,
            week_label=week_label(monday),
            week_number=monday.isocalendar()[1],
            previous_url=_week_url(group, week_plan.previous),
            next_url=_week_url(group, week_plan.next),
            this_week_url=_week_url(group, this_monday),
            is_this_week=monday == this_monday,
            copy_url=reverse(
                "plan-copy-week",
                kwargs={
                    "group_slug": group.slug,
                    "year": week_plan.iso[0],
                    "week": week_plan.iso[1],
                },
            ),
        ),
    )


@login_required
def plan_upcoming(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = _group(request, group_slug)
    page = Paginator(selectors.upcoming(group=group), UPCOMING_PER_PAGE).get_page(
        request.GET.get("side")
    )
    return render(
        request,
        "scheduler/upcoming.html",
        _context(request, group, page=page, failed=selectors.failed_for_group(group=group)),
    )


# --- scheduled posts -------------------------------------------------------------


def _initial_from_query(request: HttpRequest, group: Group) -> dict[str, Any]:
    """Prefill from a link in the week view: ?dato=2026-11-30&tid=09:00&plads=3."""
    initial: dict[str, Any] = {}
    try:
        if request.GET.get("dato"):
            initial["date"] = dt.date.fromisoformat(request.GET["dato"])
        if request.GET.get("tid"):
            initial["time"] = dt.time.fromisoformat(request.GET["tid"])
    except ValueError:
        pass
    slot_id = request.GET.get("plads", "")
    if slot_id.isdigit():
        slot = Slot.objects.filter(pk=int(slot_id), group=group).first()
        if slot is not None:
            initial.update(
                slot=slot.pk,
                theme=slot.theme,
                time=initial.get("time", slot.local_time),
                place=str(slot.subgroup_id or ""),
            )
            if slot.title_hint:
                initial["body"] = f"### {slot.title_hint}\n\n"
    return initial


def _slot_of(group: Group, slot_id: Any) -> Slot | None:
    if not slot_id:
        return None
    return Slot.objects.filter(pk=slot_id, group=group).first()


@login_required
def scheduled_create(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = _group(request, group_slug)
    subgroups = selectors.planner_subgroups(actor=_actor(request), group=group)
    if request.method == "POST":
        form = ScheduledPostForm(request.POST, request.FILES, group=group, subgroups=subgroups)
        if form.is_valid():
            data = form.cleaned_data
            try:
                scheduled = services.scheduled_post_create(
                    actor=_actor(request),
                    group=group,
                    subgroup=data["subgroup"],
                    body=data["body"],
                    theme=data["theme"],
                    photos=form.photo_uploads(),
                    pinned=data.get("pinned", False),
                    publish_at=data["publish_at"],
                    draft=form.is_draft,
                    slot=_slot_of(group, data.get("slot")),
                )
            except ValidationError as exc:
                messages_from_error(request, exc)
            else:
                if scheduled.state == ScheduledState.DRAFT:
                    messages.success(request, _("Kladden er gemt. Medlemmerne kan ikke se den."))
                else:
                    messages.success(
                        request,
                        _("Opslaget er planlagt til %(when)s.")
                        % {"when": _when(scheduled.publish_at)},
                    )
                return _back_to_week(group, scheduled)
    else:
        form = ScheduledPostForm(
            initial=_initial_from_query(request, group), group=group, subgroups=subgroups
        )
    return render(
        request,
        "scheduler/scheduled_form.html",
        _context(request, group, form=form, scheduled=None),
    )


def _when(instant: dt.datetime | None) -> str:
    if instant is None:
        return _("intet tidspunkt")
    return formats.date_format(localtime.local(instant), format_for("weekday_datetime"))


def _preview_post(scheduled: ScheduledPost) -> Post:
    """An unsaved Post as members will see it, for the preview."""
    return Post(
        body=scheduled.body,
        body_html=render_markdown(scheduled.body),
        theme=scheduled.theme,
        pinned=scheduled.pinned and not scheduled.for_subgroup,
        author=scheduled.author,
    )


@login_required
def scheduled_detail(request: HttpRequest, group_slug: str, scheduled_id: int) -> HttpResponse:
    """The preview: the post exactly as members will see it, and what can be done."""
    group, scheduled = _scheduled(request, group_slug, scheduled_id)
    move_form = None
    if scheduled.is_editable and scheduled.publish_at is not None:
        at = localtime.local(scheduled.publish_at)
        move_form = MoveForm(
            initial={"date": at.date(), "time": at.time(), "version": scheduled.version}
        )
    return render(
        request,
        "scheduler/scheduled_detail.html",
        _context(
            request,
            group,
            scheduled=scheduled,
            preview=_preview_post(scheduled),
            photos=list(scheduled.photos.all()),
            move_form=move_form,
            when=_when(scheduled.publish_at),
            published_when=_when(scheduled.published_at),
            delay_minutes=int((scheduled.delay or 0) // 60),
        ),
    )


@login_required
def scheduled_edit(request: HttpRequest, group_slug: str, scheduled_id: int) -> HttpResponse:
    group, scheduled = _scheduled(request, group_slug, scheduled_id)
    if not scheduled.is_editable:
        messages.info(request, _("Opslaget kan ikke længere rettes her."))
        return redirect("plan-post", group_slug=group.slug, scheduled_id=scheduled.pk)
    subgroups = selectors.planner_subgroups(actor=_actor(request), group=group)
    existing = list(scheduled.photos.all())
    if request.method == "POST":
        form = ScheduledPostForm(
            request.POST,
            request.FILES,
            group=group,
            subgroups=subgroups,
            existing_photos=existing,
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                scheduled = services.scheduled_post_update(
                    actor=_actor(request),
                    scheduled=scheduled,
                    version=data.get("version"),
                    subgroup=data["subgroup"],
                    body=data["body"],
                    theme=data["theme"],
                    pinned=data.get("pinned", False),
                    publish_at=data["publish_at"],
                    draft=form.is_draft,
                    add_photos=form.photo_uploads(),
                    remove_photo_ids=data.get("remove_photos") or [],
                )
            except ValidationError as exc:
                messages_from_error(request, exc)
                if exc.error_list and getattr(exc.error_list[0], "code", "") in (
                    "stale",
                    "published",
                    "cancelled",
                ):
                    return redirect("plan-post", group_slug=group.slug, scheduled_id=scheduled.pk)
            else:
                messages.success(request, _("Ændringerne er gemt."))
                return _back_to_week(group, scheduled)
    else:
        initial: dict[str, Any] = {
            "body": scheduled.body,
            "theme": scheduled.theme,
            "pinned": scheduled.pinned,
            "place": str(scheduled.subgroup_id or ""),
            "version": scheduled.version,
        }
        if scheduled.publish_at is not None:
            at = localtime.local(scheduled.publish_at)
            initial.update(date=at.date(), time=at.time())
        form = ScheduledPostForm(
            initial=initial, group=group, subgroups=subgroups, existing_photos=existing
        )
    return render(
        request,
        "scheduler/scheduled_form.html",
        _context(request, group, form=form, scheduled=scheduled, photos=existing),
    )


@login_required
@require_POST
def scheduled_move(request: HttpRequest, group_slug: str, scheduled_id: int) -> HttpResponse:
    group, scheduled = _scheduled(request, group_slug, scheduled_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("plan-post", group_slug=group.slug, scheduled_id=scheduled.pk)
    try:
        scheduled = services.scheduled_post_move(
            actor=_actor(request),
            scheduled=scheduled,
            version=form.cleaned_data.get("version"),
            publish_at=form.cleaned_data["publish_at"],
        )
    except ValidationError as exc:
        messages_from_error(request, exc)
        return redirect("plan-post", group_slug=group.slug, scheduled_id=scheduled.pk)
    messages.success(
        request, _("Opslaget er flyttet til %(when)s.") % {"when": _when(scheduled.publish_at)}
    )
    return _back_to_week(group, scheduled)


@login_required
def scheduled_cancel(request: HttpRequest, group_slug: str, scheduled_id: int) -> HttpResponse:
    group, scheduled = _scheduled(request, group_slug, scheduled_id)
    if request.method == "POST":
        try:
            services.scheduled_post_cancel(
                actor=_actor(request),
                scheduled=scheduled,
                version=_int(request.POST.get("version")),
            )
        except ValidationError as exc:
            messages_from_error(request, exc)
            return redirect("plan-post", group_slug=group.slug, scheduled_id=scheduled.pk)
        messages.success(request, _("Opslaget er annulleret. Det bliver ikke udgivet."))
        return _back_to_week(group, scheduled)
    return render(
        request,
        "scheduler/scheduled_cancel.html",
        _context(request, group, scheduled=scheduled, when=_when(scheduled.publish_at)),
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def scheduled_duplicate(request: HttpRequest, group_slug: str, scheduled_id: int) -> HttpResponse:
    group, scheduled = _scheduled(request, group_slug, scheduled_id)
    try:
        copy = services.scheduled_post_duplicate(actor=_actor(request), scheduled=scheduled)
    except ValidationError as exc:
        messages_from_error(request, exc)
        return redirect("plan-post", group_slug=group.slug, scheduled_id=scheduled.pk)
    messages.success(
        request,
        _("Der er lavet en kopi som kladde (%(when)s). Ret den, og planlæg den.")
        % {"when": _when(copy.publish_at)},
    )
    return redirect("plan-post-edit", group_slug=group.slug, scheduled_id=copy.pk)


@login_required
def week_copy(request: HttpRequest, group_slug: str, year: int, week: int) -> HttpResponse:
    group = _group(request, group_slug)
    try:
        monday = localtime.monday_of_iso_week(year, week)
    except ValueError:
        raise Http404 from None
    form = CopyWeekForm(request.POST or None, source=monday)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            copies, skipped = services.week_copy(
                actor=_actor(request), group=group, source_monday=monday, target_monday=target
            )
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d opslag er kopieret til %(week)s.",
                    "%(n)d opslag er kopieret til %(week)s.",
                    len(copies),
                )
                % {"n": len(copies), "week": week_label(target)},
            )
            for row in skipped:
                messages.warning(
                    request,
                    _(
                        "Ikke kopieret: “%(text)s” (%(when)s), fordi det nye tidspunkt er "
                        "passeret eller ikke findes."
                    )
                    % {"text": row.body[:60], "when": _when(row.publish_at)},
                )
            return redirect(_week_url(group, target))
    return render(
        request,
        "scheduler/week_copy.html",
        _context(
            request,
            group,
            form=form,
            week_label=week_label(monday),
            back_url=_week_url(group, monday),
            plan=selectors.week_plan(group=group, monday=monday),
        ),
    )


@login_required
def scheduled_photo(
    request: HttpRequest, group_slug: str, photo_id: int, size: str
) -> FileResponse:
    """A waiting photo, for the planners of its group only."""
    if size not in ("full", "thumb"):
        raise Http404
    group = _group(request, group_slug)
    photo = get_object_or_404(ScheduledPhoto, pk=photo_id, scheduled_post__group=group)
    return private_file(
        photo.image if size == "full" else photo.thumbnail,
        name=f"planlagt-foto-{photo.pk}-{size}",
        max_age=3600,
    )


# --- slots -----------------------------------------------------------------------


@login_required
def slot_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = _group(request, group_slug)
    subgroups = selectors.all_subgroups(group=group)
    form = SlotForm(request.POST or None, group=group, subgroups=subgroups)
    if request.method == "POST" and form.is_valid():
        try:
            slot = services.slot_create(actor=_actor(request), group=group, **form.slot_fields())
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Den faste plads “%(slot)s” er oprettet.") % {"slot": slot})
            return redirect("plan-slots", group_slug=group.slug)
    slots = Slot.objects.filter(group=group).select_related("subgroup")
    return render(request, "scheduler/slots.html", _context(request, group, form=form, slots=slots))


@login_required
def slot_edit(request: HttpRequest, group_slug: str, slot_id: int) -> HttpResponse:
    group = _group(request, group_slug)
    slot = get_object_or_404(Slot, pk=slot_id, group=group)
    subgroups = selectors.all_subgroups(group=group)
    initial = {
        "weekday": slot.weekday,
        "local_time": slot.local_time,
        "theme": slot.theme,
        "title_hint": slot.title_hint,
        "place": str(slot.subgroup_id or ""),
    }
    form = SlotForm(request.POST or None, initial=initial, group=group, subgroups=subgroups)
    if request.method == "POST" and form.is_valid():
        try:
            services.slot_update(actor=_actor(request), slot=slot, **form.slot_fields())
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Den faste plads er gemt."))
            return redirect("plan-slots", group_slug=group.slug)
    return render(
        request, "scheduler/slot_edit.html", _context(request, group, form=form, slot=slot)
    )


@login_required
def slot_delete(request: HttpRequest, group_slug: str, slot_id: int) -> HttpResponse:
    group = _group(request, group_slug)
    slot = get_object_or_404(Slot, pk=slot_id, group=group)
    if request.method == "POST":
        services.slot_delete(actor=_actor(request), slot=slot)
        messages.success(request, _("Den faste plads er slettet. Planlagte opslag er ikke berørt."))
        return redirect("plan-slots", group_slug=group.slug)
    return render(request, "scheduler/slot_delete.html", _context(request, group, slot=slot))
