"""Submitting an entry, the organiser's own pages, the editors' review queue
and overview, and the freshness link. Thin: forms, then directory.review and
directory.freshness."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from directory import freshness, gaps, review
from directory import permissions as perms
from directory.models import Entry, EntryStatus
from directory.staff_forms import DecisionForm
from directory.submit_forms import EntrySubmitForm, initial_from_entry
from sammen.http import messages_from_error
from sammen.ratelimit import rate_limit


def _user(request: HttpRequest) -> Any:
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def entry_submit(request: HttpRequest) -> HttpResponse:
    """'Indsend en aktivitet': a verified account fills in every field."""
    perms.require_submit_entry(_user(request))
    form = EntrySubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit(request, "submit")
            entry = review.entry_submit(
                actor=_user(request), proposed=form.proposed(), photo=form.cleaned_data["photo"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Tak! «%(title)s» afventer nu godkendelse. Vi giver dig besked.")
                % {"title": entry.title},
            )
            return redirect("directory-my-submissions")
    return render(request, "directory/entry_submit.html", {"form": form, "editing": None})


@login_required
@require_safe
def my_submissions(request: HttpRequest) -> HttpResponse:
    """'Mine indsendelser': where each of the person's entries stands."""
    return render(
        request,
        "directory/my_submissions.html",
        {"entries": review.my_submissions(_user(request))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The organiser edits their entry (someone else's is not found: 404)."""
    entry = get_object_or_404(Entry, pk=entry_id)
    perms.require_own_entry(_user(request), entry)
    revision = review.open_revision(entry) if entry.status == EntryStatus.PUBLISHED else None
    initial = initial_from_entry(entry, revision.proposed if revision is not None else None)
    form = EntrySubmitForm(
        request.POST or None, request.FILES or None, initial=initial, entry=entry
    )
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit(request, "submit")
            pending = review.entry_edit(
                actor=_user(request),
                entry=entry,
                proposed=form.proposed(),
                photo=form.cleaned_data["photo"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if pending is not None:
                messages.success(
                    request,
                    _(
                        "Tak! Ændringen afventer godkendelse. Indtil da ser borgerne den "
                        "udgave, der allerede er godkendt."
                    ),
                )
            elif perms.is_directory_editor(_user(request)):
                messages.success(request, _("Ændringen er gemt."))
            else:
                messages.success(request, _("Tak! Den afventer nu godkendelse."))
            return redirect("directory-my-submissions")
    return render(
        request,
        "directory/entry_submit.html",
        {"form": form, "editing": entry, "revision": revision},
    )


# --- Editors ------------------------------------------------------------------


@login_required
@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    perms.require_review(_user(request))
    return render(request, "directory/review_queue.html", {"items": review.review_queue()})


@login_required
@require_http_methods(["GET", "POST"])
def review_item(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One waiting entry (or edit) beside its checklist, and the decision."""
    perms.require_review(_user(request))
    entry = get_object_or_404(Entry.objects.select_related("area", "created_by"), pk=entry_id)
    revision = review.open_revision(entry) if entry.status == EntryStatus.PUBLISHED else None
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review.entry_decide(
                actor=_user(request),
                entry=entry,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            done = {
                "approved": _("«%(title)s» er godkendt og kan nu findes."),
                "declined": _("«%(title)s» er afvist. Arrangøren har fået besked."),
                "changes_requested": _("Arrangøren af «%(title)s» er bedt om at rette."),
            }[form.cleaned_data["decision"]]
            messages.success(request, done % {"title": entry.title})
        return redirect("directory-review-queue")
    if revision is not None:
        values = dict(revision.proposed)
        has_photo = bool(revision.photo or entry.photo)
    else:
        values = review.entry_values(entry)
        has_photo = bool(entry.photo)
    waiting = entry.status == EntryStatus.PENDING or (
        revision is not None and revision.state == "pending"
    )
    return render(
        request,
        "directory/review_item.html",
        {
            "entry": entry,
            "revision": revision,
            "proposed": _readable(values) if revision is not None else None,
            "checklist": review.checklist(values, has_photo=has_photo),
            "form": form,
            "waiting": waiting,
            "log": entry.changes.select_related("actor")[:20],
        },
    )


def _readable(values: dict[str, Any]) -> list[tuple[str, Any]]:
    """A proposed edit as label/value rows for the editor."""
    form = EntrySubmitForm()
    rows = []
    for name, value in values.items():
        label = form.fields[name].label if name in form.fields else name
        if name in ("activity_types", "target_groups", "area"):
            field = form.fields[name]
            queryset = field.queryset  # type: ignore[attr-defined]
            ids = value if isinstance(value, list) else ([value] if value else [])
            value = ", ".join(str(o) for o in queryset.filter(pk__in=ids))
        elif isinstance(value, bool):
            value = _("Ja") if value else _("Nej")
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append((str(label), value if value not in (None, "") else "—"))
    return rows


@login_required
@require_safe
def editor_overview(request: HttpRequest) -> HttpResponse:
    """What is stale or waiting, and the median time to approval (90 days)."""
    perms.require_review(_user(request))
    now = timezone.now()
    return render(
        request,
        "directory/editor_overview.html",
        {
            "waiting": review.waiting_counts(),
            "median_days": review.median_days_to_approval(now=now),
            "stale": review.stale_entries(now=now, months=freshness.confirm_months()),
            "months": freshness.confirm_months(),
            "grace_days": freshness.grace_days(),
        },
    )


@login_required
@require_safe
def gaps_view(request: HttpRequest) -> HttpResponse:
    """Where communities are missing: aggregates only."""
    perms.require_review(_user(request))
    choices = gaps.months()
    month = choices[0]
    raw = request.GET.get("maaned", "")
    for choice in choices:
        if raw == choice.strftime("%Y-%m"):
            month = choice
    return render(
        request,
        "directory/gaps.html",
        {
            "month": month,
            "months": choices,
            "combinations": gaps.thin_combinations(month),
            "words": gaps.top_words(month),
            "unmatched": gaps.unmatched_requests(month),
            "min_people": gaps.MIN_PEOPLE,
        },
    )


# --- The freshness link ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the entry and one button; only the POST confirms (a mail
    scanner that opens links changes nothing). A forged, expired or spent
    link gets a Danish page and changes nothing."""
    try:
        entry = freshness.token_entry(token)
    except freshness.BadLink:
        return render(request, "directory/confirm_invalid.html", status=400)
    if request.method == "POST":
        try:
            entry = freshness.entry_confirm(token=token)
        except freshness.BadLink:
            return render(request, "directory/confirm_invalid.html", status=400)
        return render(request, "directory/confirm_done.html", {"entry": entry})
    return render(
        request,
        "directory/confirm.html",
        {"entry": entry, "months": freshness.confirm_months()},
    )
