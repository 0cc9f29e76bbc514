"""'Tal med en fællesskabskoordinator': the public form and its receipt, and
the coordinators' inbox (404 to everyone but coordinators)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from directory import coordinator
from directory import permissions as perms
from directory.models import CoordinatorRequest, RequestState
from directory.staff_forms import AssignForm, CoordinatorRequestForm, MoveForm, NoteForm
from sammen.http import messages_from_error
from sammen.ratelimit import RateLimited, rate_limit

_RECEIPT = "directory_coordinator_receipt"


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    """The short form; no account needed. Rate-limited per address."""
    form = CoordinatorRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rate_limit(request, "coordinator")
            created = coordinator.request_create(
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                call_time=data["call_time"],
                wish=data["wish"],
                area=data["area"],
                on_behalf_of=data["on_behalf_of"],
                on_behalf_consent=data["on_behalf_consent"],
                consent=data["consent"],
                requester=request.user,
            )
        except (RateLimited, ValidationError) as exc:
            form.add_error(None, exc)
        else:
            request.session[_RECEIPT] = created.pk
            return redirect("directory-coordinator-receipt")
    return render(request, "directory/coordinator_request.html", {"form": form})


@require_safe
def request_receipt(request: HttpRequest) -> HttpResponse:
    """The requester's receipt: when they will be called. Only in the browser
    that sent the request (the id is kept in its session)."""
    request_id = request.session.get(_RECEIPT)
    sent = CoordinatorRequest.objects.filter(pk=request_id).first() if request_id else None
    if sent is None:
        return redirect("directory-coordinator-request")
    return render(request, "directory/coordinator_receipt.html", {"sent": sent})


def _coordinator(request: HttpRequest) -> Any:
    user = request.user
    perms.require_coordinator_inbox(user)
    return user


def _request_or_404(request_id: int) -> CoordinatorRequest:
    try:
        return coordinator.request_detail(request_id)[0]
    except CoordinatorRequest.DoesNotExist:
        raise Http404 from None


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    user = _coordinator(request)
    state = request.GET.get("status", "")
    mine = user if request.GET.get("mine") == "1" else None
    return render(
        request,
        "directory/coordinator_inbox.html",
        {
            "rows": coordinator.inbox(state=state, mine=mine),
            "states": RequestState.choices,
            "state": state,
            "mine": mine is not None,
        },
    )


@require_safe
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    _coordinator(request)
    try:
        item, row = coordinator.request_detail(request_id)
    except CoordinatorRequest.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "directory/coordinator_detail.html",
        {
            "item": item,
            "row": row,
            "notes": coordinator.notes(item),
            "next_states": [
                (value, label)
                for value, label in RequestState.choices
                if value in coordinator.NEXT_STATES[item.state]
            ],
            "move_form": MoveForm(),
            "note_form": NoteForm(),
            "coordinators": coordinator.coordinators(),
        },
    )


@require_POST
def move(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _coordinator(request)
    item = _request_or_404(request_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            coordinator.request_move(
                actor=user,
                request=item,
                state=form.cleaned_data["state"],
                entry=form.cleaned_data["entry"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Henvendelsen er opdateret."))
    else:
        messages.error(request, _("Vælg et fællesskab fra listen."))
    return redirect("directory-coordinator-detail", request_id=item.pk)


@require_POST
def note(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _coordinator(request)
    item = _request_or_404(request_id)
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Skriv noten, før du gemmer den (højst 4000 tegn)."))
        coordinator.request_note_add(actor=user, request=item, text=form.cleaned_data["text"])
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Noten er gemt."))
    return redirect("directory-coordinator-detail", request_id=item.pk)


@require_POST
def assign(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _coordinator(request)
    item = _request_or_404(request_id)
    form = AssignForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Vælg en af koordinatorerne."))
        coordinator.request_assign(
            actor=user, request=item, coordinator_id=form.cleaned_data["coordinator"]
        )
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Henvendelsen er givet videre."))
    return redirect("directory-coordinator-detail", request_id=item.pk)


@login_required
@require_safe
def report(request: HttpRequest) -> HttpResponse:
    """Counts per month for the municipality's reporting (no names)."""
    _coordinator(request)
    return render(
        request, "directory/coordinator_report.html", {"months": coordinator.month_counts()}
    )


@login_required
@require_safe
def report_csv(request: HttpRequest) -> HttpResponse:
    """The same counts as CSV for Danish Excel: UTF-8 with a BOM, semicolons."""
    _coordinator(request)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Måned"),
            _("Henvendelser"),
            _("Kontaktet"),
            _("Kontaktet til tiden"),
            _("Matchet med et fællesskab"),
            _("Afsluttet uden match"),
        ]
    )
    for row in coordinator.month_counts():
        writer.writerow(
            [
                row.month.strftime("%Y-%m"),
                row.requests,
                row.contacted,
                row.contacted_in_time,
                row.matched,
                row.closed_unmatched,
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sammen-koordinator-tal.csv"'
    return response
