"""The notification centre, levels, following a post. Every action works as a
plain form post or link without JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groups import permissions as group_perms
from groups import selectors as group_selectors
from groups.models import Group, SubGroup
from notifications import selectors, services
from notifications.models import LEVEL_HELP, Kind, Level, Notification
from posts import selectors as post_selectors
from sammen.http import messages_from_error


def target_url(n: Notification) -> str:
    """Where a notification leads: the exact comment, the post, the queue…"""
    slug = n.group.slug
    if n.post_id is not None:
        url = reverse("post-detail", kwargs={"group_slug": slug, "post_id": n.post_id})
        return url + (f"#comment-{n.comment_id}" if n.comment_id else f"#post-{n.post_id}")
    if n.kind == Kind.JOIN_DECIDED:
        return n.group.get_absolute_url() if n.object_id else reverse("home")
    if n.kind == Kind.JOIN_REQUEST:
        return reverse("group-requests", kwargs={"group_slug": slug})
    if n.kind == Kind.CONCERN:
        return reverse("moderation-queue", kwargs={"group_slug": slug}) + "?grund=concern"
    if n.kind == Kind.CASE:
        return reverse("moderation-case", kwargs={"group_slug": slug, "case_id": n.object_id})
    if n.kind == Kind.PUBLISH_FAILED:
        return reverse("plan-post", kwargs={"group_slug": slug, "scheduled_id": n.object_id})
    return reverse("home")  # moderation's word about one's post is on the home page


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page, rows = selectors.centre_page(viewer=request.user, page=request.GET.get("side"))
    for n in rows:
        n.url = reverse("notification-open", kwargs={"notification_id": n.pk})  # type: ignore[attr-defined]
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "rows": rows, "unread": selectors.unread_count(request.user)},
    )


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification: it is read, and the person lands on what it is about."""
    n = get_object_or_404(
        Notification.objects.select_related("group", "post", "post__subgroup", "comment"),
        pk=notification_id,
        recipient=request.user,
    )
    services.notification_read(actor=request.user, notification=n)  # type: ignore[arg-type]
    return redirect(target_url(n))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_read_all(actor=request.user)  # type: ignore[arg-type]
    if count:
        messages.success(request, _("Alle beskeder er markeret som læst."))
    return redirect("notifications")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """One page for all of the person's levels (and, for administrators, each
    group's default)."""
    if request.method == "POST":
        try:
            _save_levels(request)
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Dine indstillinger er gemt."))
            return redirect("notification-settings")
    places = selectors.my_places(request.user)
    for place in places:
        place["is_admin"] = group_perms.is_admin(request.user, place["group"])
    return render(
        request,
        "notifications/notification_settings.html",
        {
            "places": places,
            "levels": Level.choices,
            "level_help": [(level.value, level.label, LEVEL_HELP[level]) for level in Level],
        },
    )


def _save_levels(request: HttpRequest) -> None:
    """Fields: level-<group id>, level-<group id>-<sub-group id>, default-<group id>.
    A field for a group the person is not in is refused (404), nothing saved."""
    user: Any = request.user
    changes: list[tuple[str, Group, Any, str]] = []
    for key, raw in request.POST.items():
        value = str(raw)
        parts = key.split("-")
        if parts[0] not in ("level", "default") or not all(p.isdigit() for p in parts[1:]):
            continue
        if value and value not in Level.values:
            raise ValidationError(_("Vælg et af niveauerne på listen."))
        group = get_object_or_404(Group, pk=int(parts[1]))
        if not group_perms.is_member(user, group):
            raise Http404  # a group one is not in is as if it did not exist
        subgroup = None
        if len(parts) == 3:
            # One the person may not read is refused by level_set (403).
            subgroup = get_object_or_404(SubGroup, pk=int(parts[2]), group=group)
        changes.append((parts[0], group, subgroup, value))
    for what, group, subgroup, value in changes:
        if what == "default":
            if value:
                services.group_default_set(actor=user, group=group, level=value)
        else:
            services.level_set(actor=user, group=group, subgroup=subgroup, level=value)


@login_required
@require_POST
def post_follow(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post = post_selectors.post_get(viewer=request.user, group=group, post_id=post_id)
    following = request.POST.get("following") == "1"
    services.follow_set(actor=request.user, post=post, following=following)  # type: ignore[arg-type]
    messages.success(
        request,
        _("Du følger nu opslaget.") if following else _("Du følger ikke længere opslaget."),
    )
    return redirect(post)
