"""Thin views: parse with a form, call a service or selector, render.

Every action also works as a plain form POST without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from groups import permissions as perms
from groups import selectors, services
from groups.forms import (
    BanForm,
    DecisionForm,
    GroupForm,
    InviteForm,
    JoinForm,
    RoleForm,
    SubGroupForm,
)
from groups.models import Group, Invite, MembershipStatus, Role, SubGroupMembershipStatus
from sammen.http import messages_from_error
from sammen.ratelimit import RateLimited, rate_limit

MEMBERS_PER_PAGE = 30


def group_page_context(request: HttpRequest, group: Any, **extra: Any) -> dict[str, Any]:
    """What the groups app's own pages need besides their content: the group
    and what the viewer may do in it. (The header's tabs and badges come from
    the `group_header` template tag of the pages app.)"""
    return {"group": group, "can": perms.group_capabilities(request.user, group), **extra}


# --- home and discovery ---------------------------------------------------------


def group_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.discoverable_groups(), 20)
    page = paginator.get_page(request.GET.get("side"))
    mine: dict[int, str] = {}
    if request.user.is_authenticated:
        mine = dict(
            request.user.memberships.filter(group__in=list(page.object_list)).values_list(
                "group_id", "status"
            )
        )
    for g in page.object_list:
        g.my_status = mine.get(g.pk)
    return render(
        request,
        "groups/group_list.html",
        {"page": page, "can_create_group": perms.can_create_group(request.user)},
    )


@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    if not perms.can_create_group(request.user):
        raise PermissionDenied
    form = GroupForm(request.POST or None, request.FILES or None, initial={"visibility": "closed"})
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                actor=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                rules=form.cleaned_data["rules"],
                questions=form.questions,
                visibility=form.cleaned_data["visibility"],
                cover=form.cleaned_data["cover"],
                cover_alt=form.cleaned_data["cover_alt"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Gruppen er oprettet. Du er dens administrator."))
            return redirect(group)
    return render(request, "groups/group_form.html", {"form": form, "creating": True})


# --- a group --------------------------------------------------------------------


@login_required
def group_subgroups(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    return render(
        request,
        "groups/group_subgroups.html",
        group_page_context(
            request, group, subgroups=selectors.group_subgroups(viewer=request.user, group=group)
        ),
    )


def group_rules(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_face(viewer=request.user, group_slug=group_slug)
    return render(request, "groups/group_rules.html", group_page_context(request, group))


@login_required
def group_join(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_face(viewer=request.user, group_slug=group_slug)
    membership = perms.membership_for(request.user, group)
    if not perms.can_request_join(request.user, group):
        if membership is not None and membership.status == MembershipStatus.ACTIVE:
            return redirect(group)
        return render(
            request,
            "groups/group_join.html",
            group_page_context(request, group, membership=membership, form=None),
        )
    form = JoinForm(request.POST or None, group=group)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit(request, "join")
            services.membership_request(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                answers=form.answers,
                accept_rules=form.cleaned_data["accept_rules"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 429 if isinstance(exc, RateLimited) else 200
        else:
            messages.success(
                request,
                _(
                    "Tak! Din anmodning er sendt til gruppens administratorer. "
                    "Du får besked, når de har svaret."
                ),
            )
            return redirect("home")
    return render(
        request,
        "groups/group_join.html",
        group_page_context(request, group, membership=membership, form=form),
        status=status,
    )


@login_required
@require_POST
def group_cancel_request(request: HttpRequest, group_slug: str) -> HttpResponse:
    # One's own pending request can be withdrawn even if the group has become
    # secret since it was sent; anyone else meets the usual 404 for secret groups.
    group = get_object_or_404(Group, slug=group_slug)
    if not perms.is_pending(request.user, group):
        perms.require_public_face(request.user, group)
    try:
        services.membership_cancel_request(actor=request.user, group=group)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Din anmodning er trukket tilbage."))
    return redirect("home")


@login_required
def group_leave(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_face(viewer=request.user, group_slug=group_slug)
    perms.require_member(request.user, group)
    if request.method == "POST":
        try:
            services.membership_leave(actor=request.user, group=group)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages_from_error(request, exc)
            return redirect(group)
        messages.success(request, _("Du har forladt %(group)s.") % {"group": group.name})
        return redirect("home")
    return render(request, "groups/group_leave.html", group_page_context(request, group))


@login_required
def group_members(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    query = request.GET.get("q", "").strip()[:60]
    paginator = Paginator(selectors.group_members(group=group, query=query), MEMBERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("side"))
    return render(
        request,
        "groups/group_members.html",
        group_page_context(
            request,
            group,
            page=page,
            query=query,
            roles=Role.choices,
            member_count=paginator.count,
        ),
    )


def _target_user(group: Any, user_id: int) -> User:
    membership = get_object_or_404(group.memberships.select_related("user"), user_id=user_id)
    return membership.user


@login_required
@require_POST
def member_role(request: HttpRequest, group_slug: str, user_id: int) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg en gyldig rolle."))
    else:
        try:
            m = services.membership_set_role(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                user_id=user_id,
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(
                request,
                _("%(name)s er nu %(role)s.")
                % {"name": m.user.display_name, "role": m.get_role_display().lower()},
            )
    return redirect("group-members", group_slug=group.slug)


@login_required
def member_remove(request: HttpRequest, group_slug: str, user_id: int) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    target = _target_user(group, user_id)
    if request.method == "POST":
        try:
            services.membership_remove(actor=request.user, group=group, user_id=user_id)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(
                request, _("%(name)s er fjernet fra gruppen.") % {"name": target.display_name}
            )
        return redirect("group-members", group_slug=group.slug)
    return render(
        request, "groups/member_remove.html", group_page_context(request, group, target=target)
    )


@login_required
def member_ban(request: HttpRequest, group_slug: str, user_id: int) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    target = _target_user(group, user_id)
    form = BanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_ban(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                user_id=user_id,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(
                request, _("%(name)s er udelukket fra gruppen.") % {"name": target.display_name}
            )
        return redirect("group-members", group_slug=group.slug)
    return render(
        request,
        "groups/member_ban.html",
        group_page_context(request, group, target=target, form=form),
    )


@login_required
@require_POST
def member_unban(request: HttpRequest, group_slug: str, user_id: int) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    try:
        services.membership_unban(actor=request.user, group=group, user_id=user_id)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Udelukkelsen er ophævet."))
    return redirect("group-banned", group_slug=group.slug)


@login_required
def group_banned(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    return render(
        request,
        "groups/group_banned.html",
        group_page_context(request, group, banned=selectors.group_banned(group=group)),
    )


@login_required
def group_requests(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    return render(
        request,
        "groups/group_requests.html",
        group_page_context(request, group, requests=selectors.group_pending_requests(group=group)),
    )


@login_required
@require_POST
def request_decide(request: HttpRequest, group_slug: str, membership_id: int) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect("group-requests", group_slug=group.slug)
    approve = form.cleaned_data["decision"] == "approve"
    service = services.membership_approve if approve else services.membership_decline
    try:
        m = service(
            actor=request.user,  # type: ignore[arg-type]
            group=group,
            membership_id=membership_id,
            message=form.cleaned_data["message"],
        )
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        text = (
            _("%(name)s er nu medlem af gruppen.")
            if approve
            else _("Anmodningen fra %(name)s er afvist.")
        )
        messages.success(request, text % {"name": m.user.display_name})
    return redirect("group-requests", group_slug=group.slug)


@login_required
def group_settings(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    form = GroupForm(
        request.POST or None, request.FILES or None, initial=GroupForm.initial_for(group)
    )
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_update(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                rules=form.cleaned_data["rules"],
                questions=form.questions,
                visibility=form.cleaned_data["visibility"],
                cover=form.cleaned_data["cover"],
                remove_cover=form.cleaned_data["remove_cover"],
                cover_alt=form.cleaned_data["cover_alt"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Indstillingerne er gemt."))
            return redirect("group-settings", group_slug=group.slug)
    return render(request, "groups/group_form.html", group_page_context(request, group, form=form))


@login_required
def group_invites(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invite = services.invite_create(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                valid_days=form.cleaned_data["valid_days"],
                max_uses=form.cleaned_data["max_uses"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Invitationslinket er lavet. Kopiér det og send det."))
            return redirect(f"{reverse('group-invites', args=[group.slug])}#invite-{invite.pk}")
    invites = list(selectors.group_invites(group=group))
    for inv in invites:
        inv.absolute_url = request.build_absolute_uri(inv.get_absolute_url())  # type: ignore[attr-defined]
    return render(
        request,
        "groups/group_invites.html",
        group_page_context(request, group, form=form, invites=invites),
    )


@login_required
@require_POST
def invite_revoke(request: HttpRequest, group_slug: str, invite_id: int) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_group_admin(request.user, group)
    try:
        services.invite_revoke(actor=request.user, group=group, invite_id=invite_id)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Linket er slået fra. Det kan ikke længere bruges."))
    return redirect("group-invites", group_slug=group.slug)


def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """An invite link's landing page: the group's public face and one button.
    A secret group is shown to the holder of a working link."""
    invite = Invite.objects.select_related("group").filter(token=token[:64]).first()
    if invite is None or not perms.can_view_invite_landing(request.user, invite):
        return render(request, "groups/invite_invalid.html", status=404)
    group = invite.group
    if request.method == "POST" and request.user.is_authenticated:
        try:
            services.invite_accept(actor=request.user, token=invite.token)
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Velkommen i %(group)s!") % {"group": group.name})
            return redirect(group)
    membership = perms.membership_for(request.user, group)
    return render(
        request,
        "groups/invite_accept.html",
        {
            "invite": invite,
            "group": group,
            "membership": membership,
            "member_count": selectors.active_member_count(group),
            "admin_names": selectors.group_admin_names(group),
        },
    )


# --- sub-groups ----------------------------------------------------------------


@login_required
def subgroup_create(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_can_create_subgroup(request.user, group)
    form = SubGroupForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            sub = services.subgroup_create(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Undergruppen er oprettet."))
            return redirect(sub)
    return render(
        request,
        "groups/subgroup_form.html",
        group_page_context(request, group, form=form, sub=None),
    )


def _subgroup_context(request: HttpRequest, sub: Any, **extra: Any) -> dict[str, Any]:
    return group_page_context(
        request,
        sub.group,
        sub=sub,
        sub_can=perms.subgroup_capabilities(request.user, sub),
        **extra,
    )


@login_required
@require_POST
def subgroup_join(request: HttpRequest, group_slug: str, subgroup_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    sub = selectors.subgroup_get(viewer=request.user, group=group, subgroup_slug=subgroup_slug)
    try:
        rate_limit(request, "join")
        sm = services.subgroup_join(actor=request.user, subgroup=sub)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        if sm.status == SubGroupMembershipStatus.ACTIVE:
            messages.success(request, _("Velkommen i %(name)s!") % {"name": sub.name})
        else:
            messages.success(
                request, _("Din anmodning er sendt. Facilitatoren svarer, så snart de kan.")
            )
    return redirect(sub)


@login_required
@require_POST
def subgroup_leave(request: HttpRequest, group_slug: str, subgroup_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    sub = selectors.subgroup_get(viewer=request.user, group=group, subgroup_slug=subgroup_slug)
    try:
        services.subgroup_leave(actor=request.user, subgroup=sub)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Du er ikke længere med i %(name)s.") % {"name": sub.name})
    return redirect(sub)


@login_required
def subgroup_edit(request: HttpRequest, group_slug: str, subgroup_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    sub = selectors.subgroup_get(viewer=request.user, group=group, subgroup_slug=subgroup_slug)
    perms.require_manage_subgroup(request.user, sub)
    form = SubGroupForm(request.POST or None, group=group, initial=SubGroupForm.initial_for(sub))
    if request.method == "POST" and form.is_valid():
        try:
            sub = services.subgroup_update(
                actor=request.user,  # type: ignore[arg-type]
                subgroup=sub,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Undergruppen er gemt."))
            return redirect(sub)
    return render(request, "groups/subgroup_form.html", _subgroup_context(request, sub, form=form))


@login_required
def subgroup_delete(request: HttpRequest, group_slug: str, subgroup_slug: str) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    sub = selectors.subgroup_get(viewer=request.user, group=group, subgroup_slug=subgroup_slug)
    perms.require_group_admin(request.user, group)
    if request.method == "POST":
        services.subgroup_delete(actor=request.user, subgroup=sub)  # type: ignore[arg-type]
        messages.success(request, _("Undergruppen %(name)s er slettet.") % {"name": sub.name})
        return redirect(group)
    return render(request, "groups/subgroup_delete.html", _subgroup_context(request, sub))


@login_required
@require_POST
def subgroup_request_approve(
    request: HttpRequest, group_slug: str, subgroup_slug: str, membership_id: int
) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    sub = selectors.subgroup_get(viewer=request.user, group=group, subgroup_slug=subgroup_slug)
    perms.require_manage_subgroup(request.user, sub)
    try:
        sm = services.subgroup_request_approve(
            actor=request.user,  # type: ignore[arg-type]
            subgroup=sub,
            membership_id=membership_id,
        )
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(
            request, _("%(name)s er nu med i undergruppen.") % {"name": sm.user.display_name}
        )
    return redirect(sub)


@login_required
@require_POST
def subgroup_member_remove(
    request: HttpRequest, group_slug: str, subgroup_slug: str, membership_id: int
) -> HttpResponse:
    group = selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    sub = selectors.subgroup_get(viewer=request.user, group=group, subgroup_slug=subgroup_slug)
    perms.require_manage_subgroup(request.user, sub)
    try:
        services.subgroup_member_remove(
            actor=request.user,  # type: ignore[arg-type]
            subgroup=sub,
            membership_id=membership_id,
        )
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Personen er ikke længere med i undergruppen."))
    return redirect(sub)
