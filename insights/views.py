"""The staff's insights: the dashboard with its tables and CSV downloads, the
unanswered-post radar, and the administrators' settings. Plain GET forms and
links: everything works without JavaScript."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Group, SubGroup
from insights import permissions as perms
from insights import selectors, services, tables, who5
from sammen.http import messages_from_error

WEEKDAYS = [
    gettext_lazy("Mandag"),
    gettext_lazy("Tirsdag"),
    gettext_lazy("Onsdag"),
    gettext_lazy("Torsdag"),
    gettext_lazy("Fredag"),
    gettext_lazy("Lørdag"),
    gettext_lazy("Søndag"),
]


WHO5_TABLE = "trivsel"


def _group(request: HttpRequest, group_slug: str) -> Group:
    group = get_object_or_404(Group, slug=group_slug)
    perms.require_insights(request.user, group)
    return group


def _subgroup(request: HttpRequest, group: Group) -> SubGroup | None:
    raw = request.GET.get("undergruppe", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(SubGroup, pk=int(raw), group=group)


def _period(request: HttpRequest) -> selectors.Period:
    return selectors.period_from(days=request.GET.get("dage"), month=request.GET.get("maaned"))


@login_required
def dashboard(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = _group(request, group_slug)
    subgroup = _subgroup(request, group)
    try:
        period = _period(request)
    except ValidationError as exc:
        messages_from_error(request, exc)
        period = selectors.period_from(days=None, month=None)
        status = 400
    else:
        status = 200
    figures = selectors.dashboard(group=group, subgroup=subgroup, period=period)
    return render(
        request,
        "insights/dashboard.html",
        {
            "group": group,
            "subgroup": subgroup,
            "subgroups": group.subgroups.order_by("name"),
            "period": period,
            "previous": period.previous(),
            "period_days": selectors.PERIOD_DAYS,
            "months": selectors.months_to_choose(),
            "figures": figures,
            "sections": tables.sections(figures, weekdays=[str(d) for d in WEEKDAYS]),
            "query": request.GET.urlencode(),
            "radar_count": selectors.radar_count(group),
            "who5": _who5(group, subgroup, period),
        },
        status=status,
    )


def _who5(
    group: Group, subgroup: SubGroup | None, period: selectors.Period
) -> who5.Who5Aggregates | None:
    """The WHO-5 figures beside the period: the last whole month in it and the
    month before (insights.who5.who5_monthly says why only whole months).
    Outside the 15-minute cache: its own cache is keyed on the data itself."""
    if not who5.who5_for_staff(group):
        return None
    month = who5.who5_month_to_show(start=period.start, end=period.end)
    if month is None:
        return None
    return who5.who5_monthly(group=group, subgroup=subgroup, month=month)


@login_required
def dashboard_csv(request: HttpRequest, group_slug: str, table: str) -> HttpResponse:
    """One of the dashboard's tables as CSV for Danish Excel: UTF-8 with a
    byte order mark and semicolons; the period in the file name."""
    group = _group(request, group_slug)
    subgroup = _subgroup(request, group)
    try:
        period = _period(request)
    except ValidationError:
        raise Http404 from None
    if table == WHO5_TABLE:
        agg = _who5(group, subgroup, period)
        if agg is None:
            raise Http404
        rows = who5.who5_csv_rows(agg)
    else:
        figures = selectors.dashboard(group=group, subgroup=subgroup, period=period)
        found = {s.key: s for s in tables.sections(figures, weekdays=[str(d) for d in WEEKDAYS])}
        if table not in found:
            raise Http404
        rows = [found[table].header, *found[table].rows]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    place = f"{group.slug}-{subgroup.slug}" if subgroup else group.slug
    name = f"sammen-{place}-{table}-{period.file_label}.csv"
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def radar(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = _group(request, group_slug)
    return render(
        request,
        "insights/radar.html",
        {"group": group, "radar": selectors.radar(group=group)},
    )


@login_required
def insight_settings(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = _group(request, group_slug)
    if not perms.can_change_insight_settings(request.user, group):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.insight_settings_set(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                radar_hours=_whole(request.POST.get("radar_hours", "")),
                who5_enabled=request.POST.get("who5_enabled") == "1",
                who5_every_weeks=_whole(request.POST.get("who5_every_weeks", "")),
            )
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Indstillingerne er gemt."))
            return redirect("insights-settings", group_slug=group.slug)
    return render(
        request,
        "insights/settings.html",
        {"group": group, "settings_row": selectors.insight_settings(group)},
    )


def _whole(raw: str) -> int:
    return int(raw) if raw.strip().isdigit() else -1
