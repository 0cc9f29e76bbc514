"""Thin views: "Hent mine data", "Slet min konto", the consents and the
installation's privacy page. Starting an export and deleting the account ask
for the password again (allauth's reauthentication flow)."""

from __future__ import annotations

from datetime import datetime

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from groups.selectors import last_admin_groups
from privacy import consents as consent_actions
from privacy import permissions as perms
from privacy import selectors, services
from privacy.forms import DeletionForm
from privacy.models import DeletionMode
from privacy.storage import export_storage
from sammen.http import messages_from_error
from sammen.ratelimit import rate_limit

_DELETED = "privacy_deletion_date"


@require_safe
def privacy_page(request: HttpRequest) -> HttpResponse:
    """The installation's page about privacy: for everyone, logged in or not."""
    return render(request, "privacy/page.html", {"page": selectors.privacy_page()})


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def export(request: HttpRequest) -> HttpResponse:
    """ "Hent mine data": order a copy (POST, after the password again) and
    fetch the latest one while it is valid."""
    if request.method == "POST":
        try:
            rate_limit(request, "export")
            services.export_request(actor=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(
                request,
                _(
                    "Vi er gået i gang. Du får en e-mail, når din kopi er klar, "
                    "og du kan hente den her på siden."
                ),
            )
        return redirect("privacy-export")
    latest = selectors.latest_export(request.user)
    return render(
        request,
        "privacy/export.html",
        {"latest": latest, "today": selectors.export_today(request.user)},
    )


@login_required
@require_safe
def export_download(request: HttpRequest, token: str) -> HttpResponse | FileResponse:
    """The ZIP, to its owner only (404 to anyone else)."""
    try:
        row = services.export_for_download(actor=request.user, token=token)
    except services.ExportGone:
        services.exports_expire()
        return render(request, "privacy/export_gone.html", status=410)
    handle = export_storage().open(row.file_name, "rb")
    day = timezone.localtime(row.ready_at).date().isoformat() if row.ready_at else "kopi"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"sammen-mine-data-{day}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def delete_account(request: HttpRequest) -> HttpResponse:
    """ "Slet min konto": the two choices explained, then the request (after
    the password again). The person is logged out everywhere; logging in
    before the date cancels."""
    user = request.user
    form = DeletionForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            row = services.deletion_request(actor=user, mode=form.cleaned_data["mode"])  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 400
        else:
            logout(request)
            request.session[_DELETED] = row.due_at.isoformat()
            return redirect("privacy-delete-requested")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "privacy/delete.html",
        {
            "form": form,
            "lonely_groups": last_admin_groups(user),
            "pending": selectors.open_deletion(user),
            "grace_days": services.settings.ACCOUNT_DELETION_GRACE_DAYS,
            "modes": DeletionMode,
        },
        status=status,
    )


@require_safe
def delete_requested(request: HttpRequest) -> HttpResponse:
    """The receipt, in the browser that asked (the date is in its session)."""
    due = request.session.get(_DELETED)
    when = datetime.fromisoformat(due) if due else None
    return render(request, "privacy/delete_requested.html", {"due": when, "now": timezone.now()})


@login_required
@require_safe
def consent_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/consents.html",
        {"consents": consent_actions.rows(request.user)},
    )


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    """ "Træk tilbage": one click, at once, through the app that owns the purpose."""
    consent = perms.require_own_consent(request.user, consent_id)
    try:
        consent_actions.withdraw(actor=request.user, consent=consent)
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Dit samtykke er trukket tilbage."))
    return redirect("privacy-consents")
