"""Ugens tal on the web: switching the weekly e-mail on and off from the
dashboard (the group's team), and the e-mail's one-click unsubscribe link
(anyone holding it). Plain form posts: everything works without JavaScript.

Kept apart from insights/views.py so the weekly e-mail's pages sit beside its
module (insights/reports.py), as WHO-5's do beside insights/who5.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from groups.models import Group
from insights import permissions as perms
from insights import reports


@login_required
@require_POST
def weekly_report_toggle(request: HttpRequest, group_slug: str) -> HttpResponse:
    """ "Send mig Ugens tal hver mandag" / "Stop Ugens tal". The choice is
    explicit (ugens_tal=til|fra), so a form sent twice does not flip it back."""
    group = get_object_or_404(Group, slug=group_slug)
    perms.require_insights(request.user, group)
    if request.POST.get("ugens_tal") == "til":
        reports.weekly_report_subscribe(actor=request.user, group=group)  # type: ignore[arg-type]
        messages.success(request, _("Du får nu Ugens tal på e-mail hver mandag morgen."))
    else:
        reports.weekly_report_unsubscribe(actor=request.user, group=group)  # type: ignore[arg-type]
        messages.success(request, _("Du får ikke længere Ugens tal på e-mail."))
    return redirect(reverse("insights", kwargs={"group_slug": group.slug}) + "#ugens-tal")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def weekly_report_unsubscribe(request: HttpRequest, group_slug: str, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058). A POST (the mail client's button, or
    the page's) takes effect at once, without login, cookie or CSRF token; a
    GET only shows the page with one button, so a mail scanner that follows
    links unsubscribes nobody. The signed token is all it takes, and all it
    can do is stop this one person's Ugens tal for this one group."""
    try:
        report = reports.weekly_report_for_link(group_slug=group_slug, token=token)
    except reports.BadLink:
        return render(request, "insights/weekly_report_unsubscribe_invalid.html", status=404)
    context = {"group": report.group}
    if request.method == "POST":
        reports.weekly_report_unsubscribe_by_link(report=report)
        return render(request, "insights/weekly_report_unsubscribe_done.html", context)
    return render(request, "insights/weekly_report_unsubscribe.html", context)
