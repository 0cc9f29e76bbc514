"""Every write in groups: membership, roles, invites, settings, sub-groups.

Each service checks permission first, then writes inside one transaction,
locking the rows two requests could race on. Errors a person can cause raise
`ValidationError` with a Danish message; forbidden acts raise
`PermissionDenied` or `Http404` from `groups.permissions`. E-mails and
real-time events go out only after commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from groups import permissions as perms
from groups import selectors
from groups.models import (
    ANSWER_MAX_LENGTH,
    MAX_QUESTIONS,
    QUESTION_MAX_LENGTH,
    Group,
    Invite,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Role,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
    Visibility,
)
from groups.signals import membership_action, membership_ended, membership_requested
from sammen.events import group_channel_name, publish, user_channel_name
from sammen.mail import absolute_url as _absolute
from sammen.mail import mail_after_commit as _mail_after_commit

# --- helpers ------------------------------------------------------------------


RESERVED_SLUGS = {"new"}


def _unique_slug(base: str, exists: Any, max_length: int = 80) -> str:
    root = (slugify(base) or "gruppe")[: max_length - 6]
    candidate, n = root, 2
    while candidate in RESERVED_SLUGS or exists(candidate):
        candidate = f"{root}-{n}"
        n += 1
    return candidate


def _clean_questions(questions: list[str]) -> list[str]:
    cleaned = [" ".join(q.split()) for q in questions if q and q.strip()]
    if len(cleaned) > MAX_QUESTIONS:
        raise ValidationError(_("En gruppe kan højst have %(n)d spørgsmål.") % {"n": MAX_QUESTIONS})
    for q in cleaned:
        if len(q) > QUESTION_MAX_LENGTH:
            raise ValidationError(
                _("Et spørgsmål må højst være %(n)d tegn.") % {"n": QUESTION_MAX_LENGTH}
            )
    return cleaned


def _lock_group(group: Group) -> Group:
    return Group.objects.select_for_update().get(pk=group.pk)


def _active_admin_count(group: Group) -> int:
    return Membership.objects.filter(
        group=group, status=MembershipStatus.ACTIVE, role=Role.ADMIN
    ).count()


def _audit(
    group: Group, actor: User, action: str, *, user_id: int, reason: str = "", detail: str = ""
) -> None:
    """Tell the apps above (moderation keeps the group's log) about a decision,
    in the caller's transaction: a failing receiver rolls the decision back."""
    membership_action.send(
        sender=Group,
        group=group,
        actor=actor,
        action=action,
        user_id=user_id,
        reason=reason,
        detail=detail,
    )


def mail_team_after_commit(
    *,
    group: Group,
    roles: Iterable[str],
    subject: Any,
    subject_params: dict[str, Any],
    template: str,
    context: dict[str, Any],
    also: Iterable[User] = (),
) -> None:
    """E-mail the group's active members with one of `roles` (and the people in
    `also`), each once, after the caller's transaction commits."""
    recipients = {user.pk: user for user in also}
    for m in (
        selectors.members_with_roles(group=group, roles=roles)
        .exclude(user__email="")
        .select_related("user")
    ):
        recipients[m.user_id] = m.user
    for user in recipients.values():
        _mail_after_commit(user, subject, subject_params, template, context)


def _require_discipliner(actor: User, group: Group) -> None:
    """Administrators, and moderators acting from the moderation queue."""
    perms.require_member(actor, group)
    if not perms.is_admin_or_moderator(actor, group):
        raise PermissionDenied


def _notify_membership_gone(group: Group, user_id: int) -> None:
    """Tell open sockets of this user in this group to close."""
    publish(group_channel_name(group.pk), "membership.removed", user_id=user_id)
    publish(user_channel_name(user_id), "membership.removed", group_id=group.pk)


# --- groups ---------------------------------------------------------------------


def group_create(
    *,
    actor: User,
    name: str,
    description: str,
    rules: str = "",
    questions: list[str] | None = None,
    visibility: str = Visibility.CLOSED,
    cover: File | None = None,
    cover_alt: str = "",
) -> Group:
    """Found a group; the founder becomes its first administrator."""
    if not perms.can_create_group(actor):
        raise PermissionDenied
    cleaned_questions = _clean_questions(questions or [])
    with transaction.atomic():
        group = Group(
            name=name.strip(),
            slug=_unique_slug(name, lambda s: Group.objects.filter(slug=s).exists()),
            description=description.strip(),
            rules=rules.strip(),
            questions=cleaned_questions,
            visibility=visibility,
            cover_alt=cover_alt.strip(),
            created_by=actor,
        )
        if cover is not None:
            group.cover.save(cover.name or "cover.jpg", cover, save=False)
        group.full_clean()
        group.save()
        now = timezone.now()
        Membership.objects.create(
            user=actor,
            group=group,
            role=Role.ADMIN,
            status=MembershipStatus.ACTIVE,
            requested_at=now,
            joined_at=now,
        )
    perms.forget_memberships(actor)
    return group


def group_update(
    *,
    actor: User,
    group: Group,
    name: str,
    description: str,
    rules: str,
    questions: list[str],
    visibility: str,
    cover: File | None = None,
    remove_cover: bool = False,
    cover_alt: str = "",
) -> Group:
    """Change a group's settings (administrators only)."""
    perms.forget_memberships(actor)
    perms.require_group_admin(actor, group)
    cleaned_questions = _clean_questions(questions)
    with transaction.atomic():
        locked = _lock_group(group)
        old_cover = locked.cover.name if locked.cover else ""
        locked.name = name.strip()
        locked.description = description.strip()
        locked.rules = rules.strip()
        locked.questions = cleaned_questions
        locked.visibility = visibility
        locked.cover_alt = cover_alt.strip()
        fields = ["name", "description", "rules", "questions", "visibility", "cover_alt"]
        if cover is not None and not remove_cover:
            locked.cover.save(cover.name or "cover.jpg", cover, save=False)
            fields.append("cover")
        elif remove_cover:
            locked.cover = None
            fields.append("cover")
        locked.full_clean(exclude=["slug", "cover"])
        locked.save(update_fields=fields)
        if old_cover and "cover" in fields:
            storage = locked.cover.storage
            transaction.on_commit(lambda: storage.delete(old_cover))
    return locked


# --- joining ----------------------------------------------------------------------


def membership_request(
    *, actor: User, group: Group, answers: list[str], accept_rules: bool
) -> Membership:
    """Ask to join a closed group: answer its questions, accept its rules. The
    request lands in the administrators' list of pending requests."""
    perms.forget_memberships(actor)
    perms.require_public_face(actor, group)
    questions: list[str] = list(group.questions or [])
    if not accept_rules:
        raise ValidationError(_("Du skal acceptere gruppens regler for at blive medlem."))
    if len(answers) != len(questions) or any(not a.strip() for a in answers):
        raise ValidationError(_("Svar venligst på alle spørgsmålene."))
    if any(len(a) > ANSWER_MAX_LENGTH for a in answers):
        raise ValidationError(_("Et svar må højst være %(n)d tegn.") % {"n": ANSWER_MAX_LENGTH})
    paired = [{"question": q, "answer": a.strip()} for q, a in zip(questions, answers, strict=True)]
    now = timezone.now()
    with transaction.atomic():
        _lock_group(group)
        existing = Membership.objects.select_for_update().filter(user=actor, group=group).first()
        if existing is not None:
            if existing.status == MembershipStatus.ACTIVE:
                raise ValidationError(_("Du er allerede medlem af gruppen."))
            if existing.status == MembershipStatus.PENDING:
                raise ValidationError(
                    _("Du har allerede bedt om at blive medlem. Din anmodning venter på svar.")
                )
            if existing.status == MembershipStatus.BANNED:
                raise ValidationError(_("Du kan ikke blive medlem af denne gruppe."))
            existing.status = MembershipStatus.PENDING
            existing.answers = paired
            existing.requested_at = now
            existing.decided_at = None
            existing.decided_by = None
            existing.decision_message = ""
            existing.save(
                update_fields=[
                    "status",
                    "answers",
                    "requested_at",
                    "decided_at",
                    "decided_by",
                    "decision_message",
                ]
            )
            membership = existing
        else:
            membership = Membership.objects.create(
                user=actor,
                group=group,
                status=MembershipStatus.PENDING,
                role=Role.MEMBER,
                answers=paired,
                requested_at=now,
            )
        membership_requested.send(sender=Membership, membership=membership)
    perms.forget_memberships(actor)
    return membership


def membership_cancel_request(*, actor: User, group: Group) -> None:
    """Withdraw one's own pending request."""
    with transaction.atomic():
        deleted, _count = Membership.objects.filter(
            user=actor, group=group, status=MembershipStatus.PENDING
        ).delete()
    perms.forget_memberships(actor)
    if not deleted:
        raise ValidationError(_("Der er ingen anmodning at trække tilbage."))


def _decide(
    *, actor: User, membership_id: int, group: Group, approve: bool, message: str
) -> Membership:
    perms.forget_memberships(actor)
    perms.require_group_admin(actor, group)
    message = message.strip()
    if len(message) > 1000:
        raise ValidationError(_("Beskeden må højst være 1000 tegn."))
    with transaction.atomic():
        try:
            m = (
                Membership.objects.select_for_update()
                .select_related("user")
                .get(pk=membership_id, group=group)
            )
        except Membership.DoesNotExist:
            raise ValidationError(
                _("Anmodningen findes ikke længere. Den er måske trukket tilbage.")
            ) from None
        if m.status != MembershipStatus.PENDING:
            raise ValidationError(_("Anmodningen er allerede behandlet af en anden administrator."))
        now = timezone.now()
        m.status = MembershipStatus.ACTIVE if approve else MembershipStatus.DECLINED
        m.decided_at = now
        m.decided_by = actor
        m.decision_message = message
        fields = ["status", "decided_at", "decided_by", "decision_message"]
        if approve:
            m.joined_at = now
            m.role = Role.MEMBER
            fields += ["joined_at", "role"]
        m.save(update_fields=fields)
        _audit(
            group,
            actor,
            "member_approve" if approve else "member_decline",
            user_id=m.user_id,
            reason=message,
        )
        home = _absolute(reverse("home"))
        if approve:
            _mail_after_commit(
                m.user,
                gettext_lazy("Du er nu medlem af %(group)s"),
                {"group": group.name},
                "groups/email/membership_approved.txt",
                {"group": group, "message": message, "url": _absolute(group.get_absolute_url())},
            )
        else:
            _mail_after_commit(
                m.user,
                gettext_lazy("Svar på din anmodning til %(group)s"),
                {"group": group.name},
                "groups/email/membership_declined.txt",
                {"group": group, "message": message, "url": home},
            )
        publish(user_channel_name(m.user_id), "membership.decided", group_id=group.pk)
    return m


def membership_approve(
    *, actor: User, group: Group, membership_id: int, message: str = ""
) -> Membership:
    """Let a pending requester in. Two administrators deciding at once: the
    second is told it was handled already."""
    return _decide(
        actor=actor, membership_id=membership_id, group=group, approve=True, message=message
    )


def membership_decline(
    *, actor: User, group: Group, membership_id: int, message: str = ""
) -> Membership:
    """Say no to a pending request, optionally with a message the requester sees."""
    return _decide(
        actor=actor, membership_id=membership_id, group=group, approve=False, message=message
    )


def membership_welcome_dismiss(*, actor: User, group: Group) -> None:
    """Close the welcome card of a new member's first visit, for good.

    An UPDATE of the one column, not a save: the card is the member's own, so
    the group's cached pages for everyone else stay (groups.receivers renews
    the generation on every saved membership); the member's own page is keyed
    on whether the card shows (pages.views)."""
    perms.require_member(actor, group)
    with transaction.atomic():
        Membership.objects.filter(user=actor, group=group, welcomed_at=None).update(
            welcomed_at=timezone.now()
        )
    perms.forget_memberships(actor)


def membership_leave(*, actor: User, group: Group) -> None:
    """Leave a group (and its sub-groups). The last administrator cannot."""
    perms.forget_memberships(actor)
    perms.require_member(actor, group)
    with transaction.atomic():
        _lock_group(group)
        m = Membership.objects.select_for_update().get(user=actor, group=group)
        if m.role == Role.ADMIN and _active_admin_count(group) <= 1:
            raise ValidationError(
                _(
                    "Du er gruppens eneste administrator. Gør en anden til administrator, "
                    "før du forlader gruppen."
                )
            )
        SubGroupMembership.objects.filter(user=actor, subgroup__group=group).delete()
        m.delete()
        membership_ended.send(
            sender=Membership, group=group, user_id=actor.pk, joined_at=m.joined_at, how="left"
        )
        _notify_membership_gone(group, actor.pk)
    perms.forget_memberships(actor)


def _lock_active_membership(group: Group, user_id: int) -> Membership:
    """The person's active membership, locked for this transaction."""
    m = (
        Membership.objects.select_for_update()
        .filter(user_id=user_id, group=group, status=MembershipStatus.ACTIVE)
        .first()
    )
    if m is None:
        raise ValidationError(_("Personen er ikke medlem af gruppen."))
    return m


def membership_remove(*, actor: User, group: Group, user_id: int, reason: str = "") -> None:
    """An administrator removes a member (who may ask to join again); a
    moderator may remove an ordinary member from the moderation queue."""
    perms.forget_memberships(actor)
    _require_discipliner(actor, group)
    if user_id == actor.pk:
        raise ValidationError(_("Du kan ikke fjerne dig selv. Brug 'Forlad gruppen'."))
    with transaction.atomic():
        _lock_group(group)
        m = _lock_active_membership(group, user_id)
        if not perms.can_discipline(actor, group, m):
            raise PermissionDenied
        if m.role == Role.ADMIN and _active_admin_count(group) <= 1:
            raise ValidationError(_("Gruppen skal have mindst én administrator."))
        SubGroupMembership.objects.filter(user_id=user_id, subgroup__group=group).delete()
        m.delete()
        membership_ended.send(
            sender=Membership, group=group, user_id=user_id, joined_at=m.joined_at, how="removed"
        )
        _audit(group, actor, "member_remove", user_id=user_id, reason=reason.strip()[:1000])
        _notify_membership_gone(group, user_id)


def membership_ban(*, actor: User, group: Group, user_id: int, reason: str = "") -> Membership:
    """Ban a member or requester: they lose access and cannot ask again.
    Administrators; moderators only ordinary members, from the queue."""
    perms.forget_memberships(actor)
    _require_discipliner(actor, group)
    if user_id == actor.pk:
        raise ValidationError(_("Du kan ikke udelukke dig selv."))
    reason = reason.strip()
    if len(reason) > 1000:
        raise ValidationError(_("Begrundelsen må højst være 1000 tegn."))
    with transaction.atomic():
        _lock_group(group)
        m = Membership.objects.select_for_update().filter(user_id=user_id, group=group).first()
        if m is None:
            raise ValidationError(_("Personen er ikke medlem af gruppen."))
        if m.status == MembershipStatus.BANNED:
            raise ValidationError(_("Personen er allerede udelukket."))
        if not perms.can_discipline(actor, group, m):
            raise PermissionDenied
        if (
            m.status == MembershipStatus.ACTIVE
            and m.role == Role.ADMIN
            and _active_admin_count(group) <= 1
        ):
            raise ValidationError(_("Gruppen skal have mindst én administrator."))
        SubGroupMembership.objects.filter(user_id=user_id, subgroup__group=group).delete()
        if m.status == MembershipStatus.ACTIVE:
            membership_ended.send(
                sender=Membership, group=group, user_id=user_id, joined_at=m.joined_at, how="banned"
            )
        m.status = MembershipStatus.BANNED
        m.role = Role.MEMBER
        m.decided_at = timezone.now()
        m.decided_by = actor
        m.decision_message = reason
        m.save(update_fields=["status", "role", "decided_at", "decided_by", "decision_message"])
        _audit(group, actor, "member_ban", user_id=user_id, reason=reason)
        _notify_membership_gone(group, user_id)
    return m


def membership_unban(*, actor: User, group: Group, user_id: int) -> None:
    """Lift a ban; the person may then ask to join again."""
    perms.forget_memberships(actor)
    perms.require_group_admin(actor, group)
    with transaction.atomic():
        deleted, _count = Membership.objects.filter(
            user_id=user_id, group=group, status=MembershipStatus.BANNED
        ).delete()
        if deleted:
            _audit(group, actor, "member_unban", user_id=user_id)
    if not deleted:
        raise ValidationError(_("Personen er ikke udelukket."))


def membership_set_role(*, actor: User, group: Group, user_id: int, role: str) -> Membership:
    """Change a member's role. The last administrator cannot step down."""
    perms.forget_memberships(actor)
    perms.require_group_admin(actor, group)
    if role not in Role.values:
        raise ValidationError(_("Ukendt rolle."))
    with transaction.atomic():
        _lock_group(group)
        m = _lock_active_membership(group, user_id)
        if m.role == role:
            return m
        if m.role == Role.ADMIN and _active_admin_count(group) <= 1:
            raise ValidationError(
                _(
                    "Gruppen skal have mindst én administrator. "
                    "Gør en anden til administrator først."
                )
            )
        old_role = m.role
        m.role = role
        m.save(update_fields=["role"])
        _audit(
            group,
            actor,
            "role_change",
            user_id=user_id,
            detail=f"{Role(old_role).label} → {Role(role).label}",
        )
        publish(group_channel_name(group.pk), "membership.role_changed", user_id=user_id)
    perms.forget_memberships(actor)
    return m


def membership_mute(
    *, actor: User, group: Group, user_id: int, until: Any, reason: str = ""
) -> Membership:
    """Put a member on pause until `until` (None lifts it): they read, but do
    not post, comment or react. Moderators and administrators (moderators:
    ordinary members only)."""
    perms.forget_memberships(actor)
    _require_discipliner(actor, group)
    reason = reason.strip()
    if len(reason) > 1000:
        raise ValidationError(_("Begrundelsen må højst være 1000 tegn."))
    with transaction.atomic():
        m = _lock_active_membership(group, user_id)
        if not perms.can_discipline(actor, group, m):
            raise PermissionDenied
        m.muted_until = until
        m.save(update_fields=["muted_until"])
        detail = timezone.localtime(until).strftime("%Y-%m-%d %H:%M") if until else ""
        _audit(group, actor, "mute", user_id=user_id, reason=reason, detail=detail)
        # Live pages re-read memberships with every event; this one refreshes
        # the member's own controls.
        publish(group_channel_name(group.pk), "membership.role_changed", user_id=user_id)
    return m


# --- invites ------------------------------------------------------------------


def invite_create(*, actor: User, group: Group, valid_days: int, max_uses: int | None) -> Invite:
    """Make an invite link that adds whoever uses it straight in."""
    perms.forget_memberships(actor)
    perms.require_group_admin(actor, group)
    if not 1 <= valid_days <= 90:
        raise ValidationError(_("Et link kan gælde fra 1 til 90 dage."))
    if max_uses is not None and not 1 <= max_uses <= 1000:
        raise ValidationError(
            _("Antal brug skal være mellem 1 og 1000, eller tomt for ubegrænset.")
        )
    return Invite.objects.create(
        group=group,
        token=secrets.token_urlsafe(24),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=valid_days),
        max_uses=max_uses,
    )


def invite_revoke(*, actor: User, group: Group, invite_id: int) -> None:
    perms.forget_memberships(actor)
    perms.require_group_admin(actor, group)
    updated = Invite.objects.filter(pk=invite_id, group=group, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("Linket findes ikke eller er allerede slået fra."))


def invite_accept(*, actor: User, token: str) -> Membership:
    """Join through an invite link: checks expiry and use limit under lock."""
    perms.forget_memberships(actor)
    with transaction.atomic():
        invite = (
            Invite.objects.select_for_update().select_related("group").filter(token=token).first()
        )
        if invite is None or invite.revoked_at is not None:
            raise ValidationError(_("Invitationslinket er ikke gyldigt. Bed om et nyt."))
        if invite.is_expired:
            raise ValidationError(_("Invitationslinket er udløbet. Bed om et nyt."))
        if invite.is_used_up:
            raise ValidationError(
                _("Invitationslinket er allerede brugt det antal gange, det måtte. Bed om et nyt.")
            )
        group = invite.group
        m = Membership.objects.select_for_update().filter(user=actor, group=group).first()
        now = timezone.now()
        if m is not None and m.status == MembershipStatus.ACTIVE:
            raise ValidationError(_("Du er allerede medlem af gruppen."))
        if m is not None and m.status == MembershipStatus.BANNED:
            raise ValidationError(_("Du kan ikke blive medlem af denne gruppe."))
        if m is None:
            m = Membership(user=actor, group=group, requested_at=now)
        m.status = MembershipStatus.ACTIVE
        m.role = Role.MEMBER
        m.joined_at = now
        m.invite = invite
        m.decided_at = now
        m.decided_by = invite.created_by
        m.decision_message = ""
        m.save()
        Invite.objects.filter(pk=invite.pk).update(use_count=F("use_count") + 1)
    perms.forget_memberships(actor)
    return m


# --- sub-groups ------------------------------------------------------------------


def _check_facilitator(group: Group, facilitator: User | None) -> None:
    if (
        facilitator is not None
        and not Membership.objects.filter(
            group=group, user=facilitator, status=MembershipStatus.ACTIVE
        ).exists()
    ):
        raise ValidationError(_("Facilitatoren skal være medlem af gruppen."))


def subgroup_create(
    *,
    actor: User,
    group: Group,
    name: str,
    description: str = "",
    member_cap: int | None = None,
    join_policy: str = JoinPolicy.OPEN,
    facilitator: User | None = None,
) -> SubGroup:
    """Create a sub-group inside a group (administrators and staff). The
    facilitator, if any, becomes its first member."""
    perms.forget_memberships(actor)
    perms.require_can_create_subgroup(actor, group)
    _check_facilitator(group, facilitator)
    with transaction.atomic():
        _lock_group(group)
        sub = SubGroup(
            group=group,
            name=name.strip(),
            slug=_unique_slug(
                name, lambda s: SubGroup.objects.filter(group=group, slug=s).exists()
            ),
            description=description.strip(),
            member_cap=member_cap,
            join_policy=join_policy,
            facilitator=facilitator,
        )
        sub.full_clean()
        sub.save()
        if facilitator is not None:
            SubGroupMembership.objects.create(
                subgroup=sub,
                user=facilitator,
                status=SubGroupMembershipStatus.ACTIVE,
                joined_at=timezone.now(),
            )
    return sub


def subgroup_update(
    *,
    actor: User,
    subgroup: SubGroup,
    name: str,
    description: str,
    member_cap: int | None,
    join_policy: str,
    facilitator: User | None,
) -> SubGroup:
    perms.forget_memberships(actor)
    perms.require_manage_subgroup(actor, subgroup)
    _check_facilitator(subgroup.group, facilitator)
    with transaction.atomic():
        sub = SubGroup.objects.select_for_update().get(pk=subgroup.pk)
        active = sub.memberships.filter(status=SubGroupMembershipStatus.ACTIVE).count()
        if member_cap is not None and member_cap < active:
            raise ValidationError(
                _("Der er allerede %(n)d medlemmer. Grænsen kan ikke være lavere.") % {"n": active}
            )
        sub.name = name.strip()
        sub.description = description.strip()
        sub.member_cap = member_cap
        sub.join_policy = join_policy
        sub.facilitator = facilitator
        sub.full_clean(exclude=["slug"])
        sub.save(update_fields=["name", "description", "member_cap", "join_policy", "facilitator"])
        if facilitator is not None:
            SubGroupMembership.objects.update_or_create(
                subgroup=sub,
                user=facilitator,
                defaults={"status": SubGroupMembershipStatus.ACTIVE, "joined_at": timezone.now()},
            )
    return sub


def subgroup_delete(*, actor: User, subgroup: SubGroup) -> None:
    perms.forget_memberships(actor)
    perms.require_view_subgroup(actor, subgroup)
    if not perms.is_admin(actor, subgroup.group):
        raise PermissionDenied
    with transaction.atomic():
        SubGroup.objects.filter(pk=subgroup.pk).delete()


def _active_count(sub: SubGroup) -> int:
    return SubGroupMembership.objects.filter(
        subgroup=sub, status=SubGroupMembershipStatus.ACTIVE
    ).count()


def subgroup_join(*, actor: User, subgroup: SubGroup) -> SubGroupMembership:
    """Join an open sub-group, or ask to join one that takes requests. A full
    sub-group refuses with a clear message; the cap is checked under lock."""
    perms.forget_memberships(actor)
    perms.require_view_subgroup(actor, subgroup)
    with transaction.atomic():
        sub = SubGroup.objects.select_for_update().get(pk=subgroup.pk)
        if SubGroupMembership.objects.filter(subgroup=sub, user=actor).exists():
            raise ValidationError(_("Du er allerede med i undergruppen eller har bedt om det."))
        if sub.member_cap is not None and _active_count(sub) >= sub.member_cap:
            raise ValidationError(_("Undergruppen er fuld. Der er ikke flere pladser."))
        now = timezone.now()
        if sub.join_policy == JoinPolicy.OPEN:
            sm = SubGroupMembership.objects.create(
                subgroup=sub, user=actor, status=SubGroupMembershipStatus.ACTIVE, joined_at=now
            )
        else:
            sm = SubGroupMembership.objects.create(
                subgroup=sub, user=actor, status=SubGroupMembershipStatus.PENDING
            )
    perms.forget_memberships(actor)
    return sm


def subgroup_leave(*, actor: User, subgroup: SubGroup) -> None:
    """Leave a sub-group or withdraw a request to join it."""
    with transaction.atomic():
        deleted, _count = SubGroupMembership.objects.filter(subgroup=subgroup, user=actor).delete()
        if deleted:
            publish(user_channel_name(actor.pk), "membership.removed", group_id=subgroup.group_id)
    perms.forget_memberships(actor)
    if not deleted:
        raise ValidationError(_("Du er ikke med i undergruppen."))


def subgroup_request_approve(
    *, actor: User, subgroup: SubGroup, membership_id: int
) -> SubGroupMembership:
    perms.forget_memberships(actor)
    perms.require_manage_subgroup(actor, subgroup)
    with transaction.atomic():
        sub = SubGroup.objects.select_for_update().get(pk=subgroup.pk)
        sm = (
            SubGroupMembership.objects.select_for_update()
            .filter(pk=membership_id, subgroup=sub)
            .first()
        )
        if sm is None or sm.status != SubGroupMembershipStatus.PENDING:
            raise ValidationError(_("Anmodningen er allerede behandlet."))
        if sub.member_cap is not None and _active_count(sub) >= sub.member_cap:
            raise ValidationError(_("Undergruppen er fuld. Der er ikke flere pladser."))
        if not Membership.objects.filter(
            group=sub.group, user_id=sm.user_id, status=MembershipStatus.ACTIVE
        ).exists():
            sm.delete()
            raise ValidationError(_("Personen er ikke længere medlem af gruppen."))
        sm.status = SubGroupMembershipStatus.ACTIVE
        sm.joined_at = timezone.now()
        sm.save(update_fields=["status", "joined_at"])
        _audit(sub.group, actor, "sub_approve", user_id=sm.user_id, detail=sub.name)
    return sm


def subgroup_member_remove(*, actor: User, subgroup: SubGroup, membership_id: int) -> None:
    """Decline a request or remove a member from a sub-group."""
    perms.forget_memberships(actor)
    perms.require_manage_subgroup(actor, subgroup)
    with transaction.atomic():
        row = SubGroupMembership.objects.filter(pk=membership_id, subgroup=subgroup).first()
        if row is None:
            raise ValidationError(_("Personen er ikke med i undergruppen."))
        row.delete()
        declined = row.status == SubGroupMembershipStatus.PENDING
        _audit(
            subgroup.group,
            actor,
            "sub_decline" if declined else "sub_remove",
            user_id=row.user_id,
            detail=subgroup.name,
        )
        publish(user_channel_name(row.user_id), "membership.removed", group_id=subgroup.group_id)


# --- erasure (privacy) ------------------------------------------------------------------


def memberships_end_for_erasure(*, user_id: int) -> int:
    """A person's account is being deleted (privacy, issue 16): every membership
    and sub-group membership of theirs goes, whatever its status. An active
    one ends as if they had left (membership_ended: insights counts it,
    anonymously, and their WHO-5 answers go), and their sockets in the group
    close. Unlike leaving, the last administrator is not stopped here: the
    person was told to hand over first, and the site operator can name a new
    one. Returns how many memberships ended."""
    ended = 0
    with transaction.atomic():
        SubGroupMembership.objects.filter(user_id=user_id).delete()
        for m in (
            Membership.objects.select_for_update().filter(user_id=user_id).select_related("group")
        ):
            m.delete()
            if m.status == MembershipStatus.ACTIVE:
                membership_ended.send(
                    sender=Membership,
                    group=m.group,
                    user_id=user_id,
                    joined_at=m.joined_at,
                    how="left",
                )
            _notify_membership_gone(m.group, user_id)
            ended += 1
    return ended
