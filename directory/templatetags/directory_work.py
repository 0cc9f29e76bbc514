"""The links to the directory's working pages a person may use (editors,
coordinators, submitters), for the pages of the second half of issue 15."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from directory import permissions as perms

register = template.Library()


@register.simple_tag(takes_context=True)
def work_links(context: dict[str, Any]) -> list[tuple[str, str, bool]]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    here = request.path if request is not None else ""
    links: list[tuple[str, str]] = []
    if perms.can_submit_entry(user):
        links.append((reverse("directory-my-submissions"), _("Mine indsendelser")))
    if perms.can_review(user):
        links += [
            (reverse("directory-editor-overview"), _("Redaktion")),
            (reverse("directory-review-queue"), _("Til godkendelse")),
            (reverse("directory-lists-edit"), _("Inspirationslister")),
            (reverse("directory-gaps"), _("Hvor mangler der fællesskaber?")),
        ]
    if perms.is_coordinator(user):
        links += [
            (reverse("directory-coordinator-inbox"), _("Samtaleønsker")),
            (reverse("directory-coordinator-report"), _("Tal pr. måned")),
        ]
    return [(url, label, url == here) for url, label in links]
