"""Pages made of several apps: the home page, a group's and a sub-group's page
(the feed of posts with the group's side panel, sub-groups and header), and the
composer's POST, so that a post that fails is shown again where it was written.

Each app gives what these pages need through its own selectors, permissions and
fragments; nothing here writes except through a service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groups import permissions as group_perms
from groups import selectors as group_selectors
from groups import services as group_services
from insights import who5
from moderation import selectors as mod_selectors
from pages.header import page_capabilities
from posts import fragments
from posts import permissions as post_perms
from posts import services as post_services
from posts.forms import PostForm
from sammen import csrf, pagecache
from sammen.ratelimit import RateLimited, rate_limit


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        groups = group_selectors.discoverable_groups()[:12]
        return render(request, "pages/landing.html", {"groups": groups})
    context = group_selectors.home_for(request.user)
    context["can_create_group"] = group_perms.can_create_group(request.user)
    # What moderators decided about the person's posts, and the queues they work.
    context["notices"] = mod_selectors.notices_for(request.user)
    active = list(context.get("active") or [])
    counts = mod_selectors.open_counts_for(active)
    for m in active:
        m.queue_counts = counts.get(m.group_id)
    return render(request, "pages/home.html", context)


def group_detail(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = group_selectors.group_get_for_face(viewer=request.user, group_slug=group_slug)
    if not group_perms.can_view_content(request.user, group):
        return render(
            request,
            "pages/group_public.html",
            {
                "group": group,
                "can": group_perms.group_capabilities(request.user, group),
                **group_selectors.group_face(viewer=request.user, group=group),
            },
        )
    return render_place(request, group, None)


@login_required
def subgroup_detail(request: HttpRequest, group_slug: str, subgroup_slug: str) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    sub = group_selectors.subgroup_get(
        viewer=request.user, group=group, subgroup_slug=subgroup_slug
    )
    return render_place(request, group, sub)


def render_place(
    request: HttpRequest,
    group: Any,
    subgroup: Any,
    *,
    post_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    """The member's view of a group or sub-group: its feed, with what is
    around it; or a sub-group's face for a group member outside it."""
    place: dict[str, Any] = {
        "group": group,
        "can": group_perms.group_capabilities(request.user, group),
    }
    if subgroup is not None:
        place.update(group_selectors.subgroup_page(viewer=request.user, subgroup=subgroup))
        if not group_perms.can_view_subgroup_members(request.user, subgroup):
            # What it is and how to join; never its members or posts.
            return render(request, "pages/subgroup_detail.html", place)
    page_key = _place_page_key(request, group, subgroup) if post_form is None else None
    cached = pagecache.get(request, page_key)
    if cached is not None:
        return cached
    place.update(fragments.feed_context(request, group, subgroup))
    if post_form is not None:
        place["post_form"] = post_form
    if subgroup is None:
        place.update(group_selectors.group_side_panel(viewer=request.user, group=group))
        place["welcome"] = group_perms.sees_welcome(request.user, group)
        template = "pages/group_detail.html"
    else:
        template = "pages/subgroup_detail.html"
    response = render(request, template, place, status=status)
    return pagecache.store(request, page_key, csrf.fill(request, response))


def _place_page_key(request: HttpRequest, group: Any, subgroup: Any) -> str | None:
    """The key of the reader's whole group or sub-group page (sammen.pagecache),
    or None when it is rendered every time.

    The feed's key (posts.fragments.feed_key) holds the group's last event and
    generation and the reader's role, pause and sub-group membership; every
    other part of these pages (header, tabs, side panel, sub-group members and
    requests) comes from the group, its memberships and sub-groups, which renew
    the generation (groups.receivers), and from the capabilities added here.
    Moderators' pages are not cached (pages.header.page_capabilities).
    The group page's WHO-5 box (insights.who5.who5_offer) is in the key too."""
    capabilities = page_capabilities(request.user, group)
    if capabilities is None:
        return None
    if subgroup is not None:
        capabilities.append(
            sorted(group_perms.subgroup_capabilities(request.user, subgroup).items())
        )
    else:
        # The WHO-5 box: changes with the reader's consent, answers and "Nej tak".
        capabilities.append(who5.who5_offer(request.user, group, request.session).key)
        # The welcome card of a new member's first visit, until they close it.
        capabilities.append(("welcome", group_perms.sees_welcome(request.user, group)))
    feed_key = fragments.feed_page_key(request, group, subgroup)
    return pagecache.key_for(request, feed_key, capabilities)


@login_required
@require_http_methods(["GET", "POST"])
def post_create(
    request: HttpRequest, group_slug: str, subgroup_slug: str | None = None
) -> HttpResponse:
    """The composer of a group or sub-group page. A post that cannot be stored
    shows the page again with the form, its errors and what the person wrote.

    GET is the composer on a page of its own: where the group page's composer
    starts as a link ("Skriv et opslag …"), without JavaScript, it leads here."""
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    subgroup = None
    if subgroup_slug is not None:
        subgroup = group_selectors.subgroup_get(
            viewer=request.user, group=group, subgroup_slug=subgroup_slug
        )
    post_perms.require_read_place(request.user, group, subgroup)
    can_pin = post_perms.can_pin(request.user, group) and subgroup is None
    if request.method == "GET":
        if post_perms.muted_until(request.user, group) is not None:
            # The place's page says why and until when.
            return redirect(subgroup if subgroup is not None else group)
        if not post_perms.can_write_place(request.user, group, subgroup):
            raise PermissionDenied
        return render(
            request,
            "pages/post_compose.html",
            {
                "group": group,
                "sub": subgroup,
                "post_form": PostForm(can_pin=can_pin),
                "composer_open": True,
            },
        )
    form = PostForm(request.POST, request.FILES, can_pin=can_pin)
    status = 400
    if form.is_valid():
        photos = form.photo_uploads()
        try:
            rate_limit(request, "post")
            if photos:
                rate_limit(request, "upload", count=len(photos))
            post_services.post_create(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                subgroup=subgroup,
                body=form.cleaned_data["body"],
                theme=form.cleaned_data.get("theme") or "",
                photos=photos,
                pinned=bool(form.cleaned_data.get("pinned")),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 429 if isinstance(exc, RateLimited) else 400
        else:
            messages.success(request, _("Dit opslag er delt."))
            return redirect(subgroup if subgroup is not None else group)
    return render_place(request, group, subgroup, post_form=form, status=status)


@login_required
@require_POST
def welcome_dismiss(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The welcome card's "Luk velkomsten": the card of a new member's first visit does not
    come back (stored on the membership, so on every device)."""
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    group_services.membership_welcome_dismiss(actor=request.user, group=group)  # type: ignore[arg-type]
    return redirect(group)


def help_page(request: HttpRequest) -> HttpResponse:
    """The help page ("Hjælp"): how to use Sammen, in plain Danish with pictures of Sammen
    itself (taken by tests/browser/test_screenshots.py into static/img/hjaelp/)."""
    return render(request, "pages/help.html")
