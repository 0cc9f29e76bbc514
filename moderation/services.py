"""Every write of moderation: flags, held items, decisions, notices, settings.

Each service checks permission, writes in one transaction and locks the rows
two requests race on: the post when flags arrive (so the threshold is counted
once), the case when moderators decide (so the second is told it was handled
and nothing is done twice). What moderation decides reaches posts and groups
only through their own services. E-mail and live events go out after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from groups import permissions as group_perms
from groups import services as group_services
from groups.models import Group, Membership, MembershipStatus
from moderation import audit, selectors
from moderation import permissions as perms
from moderation.models import (
    HELP_TEXT_MAX_LENGTH,
    KEYWORDS_MAX_LENGTH,
    MAX_MUTE_DAYS,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    AuditAction,
    AuthorAction,
    Case,
    CaseState,
    Decision,
    Flag,
    FlagReason,
    ModerationSettings,
    Notice,
)
from moderation.signals import author_told, case_needs_attention
from posts import permissions as post_perms
from posts import services as post_services
from posts.models import Comment, ContentState, Post
from sammen.dates import format_for
from sammen.events import moderation_channel_name, publish
from sammen.mail import absolute_url

FLAGS_PER_HOUR = getattr(settings, "MODERATION_FLAGS_PER_HOUR", 20)


@dataclass
class FlagResult:
    flag: Flag
    concern: bool
    help_text: str = ""


# --- helpers -------------------------------------------------------------------------


def _excerpt(text: str, n: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Begrundelsen er for lang: %(n)d tegn. Der må højst være %(max)d.")
            % {"n": len(reason), "max": REASON_MAX_LENGTH}
        )
    return reason


def _changed(group_id: int) -> None:
    """Tell open queue pages (and their counts) after commit."""
    publish(moderation_channel_name(group_id), "moderation.changed", group_id=group_id)


def _notify(
    *,
    user_id: int | None,
    group: Group,
    action: str,
    post: Post | None = None,
    comment: Comment | None = None,
    reason: str = "",
    until: Any = None,
) -> None:
    if user_id is None:
        return
    item: Any = comment if comment is not None else post
    notice = Notice.objects.create(
        user_id=user_id,
        group=group,
        action=action,
        is_comment=comment is not None,
        post_ref=post.pk if post is not None else None,
        excerpt=_excerpt(item.body) if item is not None else "",
        reason=reason,
        until=until,
    )
    author_told.send(sender=Notice, notice=notice)


CONCERN_SUBJECT = gettext_lazy("Bekymring for et medlem i %(group)s")


def _mail_concern_after_commit(group: Group) -> None:
    """E-mail the group's administrators, moderators and staff at once. The
    mail says only that there is a concern and where to look: what a fragile
    member wrote stays inside the group."""
    url = absolute_url(reverse("moderation-queue", kwargs={"group_slug": group.slug}))
    group_services.mail_team_after_commit(
        group=group,
        roles=group_perms.TEAM,
        subject=CONCERN_SUBJECT,
        subject_params={"group": group.name},
        template="moderation/email/concern.txt",
        context={"group": group, "url": url + "?grund=concern"},
    )


def _locked_item(post: Post, comment: Comment | None) -> tuple[Post, Comment | None]:
    """Lock the post (flags and decisions on a post and its comments queue up
    behind it) and re-read the comment."""
    locked_post = Post.objects.select_for_update().select_related("group").get(pk=post.pk)
    locked_comment = None
    if comment is not None:
        locked_comment = Comment.objects.select_related("post").get(pk=comment.pk)
        locked_comment.post = locked_post
    return locked_post, locked_comment


def _open_case(post: Post, comment: Comment | None, author_id: int | None) -> Case:
    q = Q(comment=comment) if comment is not None else Q(post=post, comment__isnull=True)
    case = Case.objects.select_for_update().filter(q, state=CaseState.OPEN).first()
    if case is None:
        case = Case.objects.create(
            group_id=post.group_id, post=post, comment=comment, author_id=author_id
        )
    return case


# --- flags ----------------------------------------------------------------------------


def flag_create(
    *,
    actor: User,
    post: Post,
    comment: Comment | None = None,
    reason: str,
    note: str = "",
) -> FlagResult:
    """A member flags a post or a comment, once, with a reason.

    Flags from distinct members (concern flags excepted) that reach the
    group's threshold hide the item until a moderator has looked. A concern
    for a member goes to the top of the queue, e-mails the group's staff and
    administrators, and the flagger gets the group's calm help text."""
    group = post.group
    group_perms.forget_memberships(actor)
    if comment is not None and comment.post_id != post.pk:
        raise ValidationError(_("Kommentaren hører ikke til opslaget."))
    perms.require_view_item(actor, post, comment)
    if reason not in FlagReason.values:
        raise ValidationError(_("Vælg en af grundene på listen."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Uddybningen er for lang: %(n)d tegn. Der må højst være %(max)d.")
            % {"n": len(note), "max": NOTE_MAX_LENGTH}
        )
    if reason == FlagReason.OTHER and not note:
        raise ValidationError(_("Skriv kort, hvad der er galt, når du vælger 'Andet'."))
    refusal = post_perms.flag_refusal(actor, post, comment)
    if refusal == "own":
        raise ValidationError(_("Du kan ikke anmelde dit eget indlæg."))
    if refusal:
        raise PermissionDenied
    since = timezone.now() - timedelta(hours=1)
    if Flag.objects.filter(user=actor, created_at__gte=since).count() >= FLAGS_PER_HOUR:
        raise ValidationError(
            _(
                "Du har anmeldt mange indlæg den seneste time. Vent lidt, og prøv igen – "
                "eller skriv til en moderator, hvis noget haster."
            )
        )
    concern = reason == FlagReason.CONCERN
    with transaction.atomic():
        post, comment = _locked_item(post, comment)
        item = comment if comment is not None else post
        if item.state == ContentState.REMOVED or post.state == ContentState.REMOVED:
            raise ValidationError(_("Indlægget er allerede fjernet. Tak, fordi du sagde til."))
        target = Q(comment=comment) if comment is not None else Q(post=post, comment__isnull=True)
        if Flag.objects.filter(target, user=actor).exists():
            raise ValidationError(_("Du har allerede anmeldt dette indlæg."))
        case = _open_case(post, comment, item.author_id)
        flag = Flag.objects.create(
            case=case, group=group, post=post, comment=comment, user=actor, reason=reason, note=note
        )
        now = timezone.now()
        case.flag_count += 1
        case.last_activity_at = now
        case.has_concern = case.has_concern or concern
        fields = ["flag_count", "last_activity_at", "has_concern"]
        if not concern and item.state == ContentState.VISIBLE:
            counted = case.flags.exclude(reason=FlagReason.CONCERN).count()
            if counted >= selectors.settings_for(group).flag_threshold:
                _set_state(post, comment, ContentState.HIDDEN, actor=None)
                case.auto_hidden = True
                fields.append("auto_hidden")
                audit.record(
                    group=group,
                    actor=None,
                    action=AuditAction.AUTO_HIDE,
                    target_user_id=item.author_id,
                    post_ref=post.pk,
                    comment_ref=comment.pk if comment is not None else None,
                    case=case,
                    detail=_("%(n)d anmeldelser") % {"n": counted},
                )
                _notify(
                    user_id=item.author_id,
                    group=group,
                    action=AuditAction.AUTO_HIDE,
                    post=post,
                    comment=comment,
                )
        case.save(update_fields=fields)
        if concern or case.flag_count == 1:
            case_needs_attention.send(sender=Case, case=case, concern=concern, actor=actor)
        if concern:
            _mail_concern_after_commit(group)
        _changed(group.pk)
    return FlagResult(
        flag=flag, concern=concern, help_text=selectors.help_text(group) if concern else ""
    )


def _set_state(post: Post, comment: Comment | None, state: str, actor: User | None) -> None:
    if comment is not None:
        post_services.comment_set_state(comment=comment, state=state, actor=actor)
    else:
        post_services.post_set_state(post=post, state=state, actor=actor)


def case_open_held(*, post: Post, comment: Comment | None, reason: str) -> Case:
    """Queue an item that posts stored as pending (called inside its
    transaction by posts.services)."""
    item: Any = comment if comment is not None else post
    case = Case.objects.create(
        group_id=post.group_id,
        post=post,
        comment=comment,
        author_id=item.author_id,
        held_reason=reason,
    )
    audit.record(
        group=post.group,
        actor=None,
        action=AuditAction.HOLD,
        target_user_id=item.author_id,
        post_ref=post.pk,
        comment_ref=comment.pk if comment is not None else None,
        case=case,
        detail=str(case.get_held_reason_display()),
    )
    case_needs_attention.send(sender=Case, case=case, concern=False, actor=None)
    _changed(post.group_id)
    return case


# --- decisions ---------------------------------------------------------------------------


_DECISION_STATE = {
    Decision.APPROVE: ContentState.VISIBLE,
    Decision.HIDE: ContentState.HIDDEN,
    Decision.REMOVE: ContentState.REMOVED,
}
_DECISION_AUDIT = {
    Decision.APPROVE: AuditAction.APPROVE,
    Decision.HIDE: AuditAction.HIDE,
    Decision.REMOVE: AuditAction.REMOVE,
}


def case_decide(
    *,
    actor: User,
    group: Group,
    case_id: int,
    decision: str,
    author_action: str = "",
    mute_days: int | None = None,
    reason: str = "",
) -> Case:
    """Decide one case: approve (dismiss its flags and show the item), hide or
    remove the item, and optionally warn, mute, remove or ban its author. The
    author is told, with the reason. Everything or nothing: if a step is
    refused, nothing of the decision is kept. A case decided already (by
    another moderator a moment ago) is refused with who and when."""
    group_perms.forget_memberships(actor)
    perms.require_moderate(actor, group)
    reason = _decision_validate(decision, author_action, mute_days, reason)
    with transaction.atomic():
        case = _case_lock_open(group, case_id)
        _decision_apply(
            actor=actor,
            group=group,
            case=case,
            decision=Decision(decision),
            author_action=author_action,
            mute_days=mute_days,
            reason=reason,
        )
        _changed(group.pk)
    return case


def _decision_validate(
    decision: str, author_action: str, mute_days: int | None, reason: str
) -> str:
    """Refuse a decision that is not one of the choices; the cleaned reason."""
    if decision not in Decision.values:
        raise ValidationError(_("Vælg, hvad der skal ske med indlægget."))
    if author_action not in AuthorAction.values:
        raise ValidationError(_("Ukendt handling over for forfatteren."))
    if author_action == AuthorAction.MUTE and (
        mute_days is None or not 1 <= mute_days <= MAX_MUTE_DAYS
    ):
        raise ValidationError(
            _("En pause kan vare fra 1 til %(max)d dage.") % {"max": MAX_MUTE_DAYS}
        )
    return _clean_reason(reason)


def _case_lock_open(group: Group, case_id: int) -> Case:
    """The case, locked, if it is in this group's queue and still open."""
    # Lock in the order flags do (post, then case): no deadlock between a
    # flag arriving and a decision being taken.
    post_id = Case.objects.filter(pk=case_id, group=group).values_list("post_id", flat=True).first()
    if post_id is not None:
        Post.objects.select_for_update().filter(pk=post_id).first()
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("post", "post__group", "comment", "resolved_by")
        .filter(pk=case_id, group=group)
        .first()
    )
    if case is None:
        raise ValidationError(_("Sagen findes ikke i denne gruppes kø."))
    if case.state != CaseState.OPEN:
        by = case.resolved_by.display_name if case.resolved_by else _("en anden moderator")
        raise ValidationError(
            _("%(name)s har allerede afgjort sagen (%(when)s). Der er ikke gjort mere.")
            % {
                "name": by,
                "when": formats.date_format(
                    timezone.localtime(case.resolved_at), format_for("datetime")
                ),
            }
        )
    if case.comment is not None:
        case.comment.post = case.post
    return case


def _decision_apply(
    *,
    actor: User,
    group: Group,
    case: Case,
    decision: Decision,
    author_action: str,
    mute_days: int | None,
    reason: str,
) -> None:
    """Inside the caller's transaction, with the case locked: set the item's
    state, log it, tell the author, act on the author, close the case."""
    post, comment = case.post, case.comment
    item: Any = comment if comment is not None else post
    was_state = item.state
    if was_state == ContentState.REMOVED or post.state == ContentState.REMOVED:
        if decision != Decision.REMOVE:
            raise ValidationError(
                _("Indlægget er allerede slettet. Vælg 'Fjern' for at lukke sagen.")
            )
    else:
        _set_state(post, comment, _DECISION_STATE[decision], actor=actor)
    audit.record(
        group=group,
        actor=actor,
        action=_DECISION_AUDIT[decision],
        target_user_id=case.author_id,
        post_ref=post.pk,
        comment_ref=comment.pk if comment is not None else None,
        case=case,
        reason=reason,
        detail=_("%(n)d anmeldelser") % {"n": case.flag_count} if case.flag_count else "",
    )
    # The author hears about every decision that changed what others see of
    # their item, or that they were told about (hidden, held).
    if decision != Decision.APPROVE or was_state != ContentState.VISIBLE:
        _notify(
            user_id=case.author_id,
            group=group,
            action=_DECISION_AUDIT[decision],
            post=post,
            comment=comment,
            reason=reason,
        )
    if author_action:
        _act_on_author(
            actor=actor,
            group=group,
            case=case,
            action=author_action,
            mute_days=mute_days,
            reason=reason,
        )
    case.state = CaseState.RESOLVED
    case.resolved_by = actor
    case.resolved_at = timezone.now()
    case.decision = decision
    case.author_action = author_action
    case.resolution_reason = reason
    case.save(
        update_fields=[
            "state",
            "resolved_by",
            "resolved_at",
            "decision",
            "author_action",
            "resolution_reason",
        ]
    )


def _act_on_author(
    *, actor: User, group: Group, case: Case, action: str, mute_days: int | None, reason: str
) -> None:
    """Warn, mute, remove or ban the author of a case's item. The groups app
    does (and logs) the membership changes."""
    if case.author_id is None:
        raise ValidationError(_("Forfatteren har slettet sin konto."))
    if case.author_id == actor.pk:
        raise ValidationError(_("Du kan ikke bruge den handling på dig selv."))
    membership = Membership.objects.filter(group=group, user_id=case.author_id).first()
    if action == AuthorAction.WARN:
        if membership is None or membership.status != MembershipStatus.ACTIVE:
            raise ValidationError(_("Forfatteren er ikke længere medlem af gruppen."))
        audit.record(
            group=group,
            actor=actor,
            action=AuditAction.WARN,
            target_user_id=case.author_id,
            post_ref=case.post_id,
            comment_ref=case.comment_id,
            case=case,
            reason=reason,
        )
        _notify(user_id=case.author_id, group=group, action=AuditAction.WARN, reason=reason)
        return
    if not perms.can_act_on_author(actor, group, membership):
        raise ValidationError(
            _(
                "Som moderator kan du kun sætte almindelige medlemmer på pause, fjerne eller "
                "udelukke dem. Spørg en administrator."
            )
        )
    try:
        if action == AuthorAction.MUTE:
            until = timezone.now() + timedelta(days=mute_days or 1)
            group_services.membership_mute(
                actor=actor, group=group, user_id=case.author_id, until=until, reason=reason
            )
            _notify(
                user_id=case.author_id,
                group=group,
                action=AuditAction.MUTE,
                reason=reason,
                until=until,
            )
        elif action == AuthorAction.REMOVE:
            group_services.membership_remove(
                actor=actor, group=group, user_id=case.author_id, reason=reason
            )
            _notify(
                user_id=case.author_id, group=group, action=AuditAction.MEMBER_REMOVE, reason=reason
            )
        elif action == AuthorAction.BAN:
            group_services.membership_ban(
                actor=actor, group=group, user_id=case.author_id, reason=reason
            )
            _notify(
                user_id=case.author_id, group=group, action=AuditAction.MEMBER_BAN, reason=reason
            )
    except PermissionDenied:
        raise ValidationError(_("Du kan ikke bruge den handling på denne person.")) from None


def case_approve(*, actor: User, group: Group, case_id: int, reason: str = "") -> Case:
    """Dismiss the flags and show the item (again)."""
    return case_decide(
        actor=actor, group=group, case_id=case_id, decision=Decision.APPROVE, reason=reason
    )


def case_hide(*, actor: User, group: Group, case_id: int, reason: str = "") -> Case:
    """Keep the item hidden from members (its author still sees it, marked)."""
    return case_decide(
        actor=actor, group=group, case_id=case_id, decision=Decision.HIDE, reason=reason
    )


def case_remove(*, actor: User, group: Group, case_id: int, reason: str = "") -> Case:
    """Remove the item for everyone."""
    return case_decide(
        actor=actor, group=group, case_id=case_id, decision=Decision.REMOVE, reason=reason
    )


def author_warn(*, actor: User, group: Group, case_id: int, reason: str) -> Case:
    """Leave the item as it is now and send its author a warning."""
    return _decide_keeping_state(actor, group, case_id, AuthorAction.WARN, None, reason)


def author_mute(*, actor: User, group: Group, case_id: int, days: int, reason: str = "") -> Case:
    """Pause the author for `days`: they read but cannot post, comment or react."""
    return _decide_keeping_state(actor, group, case_id, AuthorAction.MUTE, days, reason)


def author_remove(*, actor: User, group: Group, case_id: int, reason: str = "") -> Case:
    """Remove the item and its author from the group (they may ask again)."""
    return case_decide(
        actor=actor,
        group=group,
        case_id=case_id,
        decision=Decision.REMOVE,
        author_action=AuthorAction.REMOVE,
        reason=reason,
    )


def author_ban(*, actor: User, group: Group, case_id: int, reason: str = "") -> Case:
    """Remove the item and ban its author."""
    return case_decide(
        actor=actor,
        group=group,
        case_id=case_id,
        decision=Decision.REMOVE,
        author_action=AuthorAction.BAN,
        reason=reason,
    )


def _decide_keeping_state(
    actor: User, group: Group, case_id: int, action: str, days: int | None, reason: str
) -> Case:
    case = Case.objects.filter(pk=case_id, group=group).select_related("post", "comment").first()
    item: Any = None if case is None else (case.comment or case.post)
    decision = (
        Decision.HIDE
        if item is not None and item.state in (ContentState.HIDDEN, ContentState.PENDING)
        else Decision.APPROVE
    )
    return case_decide(
        actor=actor,
        group=group,
        case_id=case_id,
        decision=decision,
        author_action=action,
        mute_days=days,
        reason=reason,
    )


@dataclass
class BulkResult:
    done: int
    refused: list[str]


def cases_decide_bulk(
    *, actor: User, group: Group, case_ids: list[int], decision: str, reason: str = ""
) -> BulkResult:
    """The same decision (approve, hide, remove) on several cases, each in its
    own transaction: one refused case (handled already) does not undo the rest."""
    perms.require_moderate(actor, group)
    if not case_ids:
        raise ValidationError(_("Vælg mindst én sag."))
    if len(case_ids) > 100:
        raise ValidationError(_("Vælg højst 100 sager ad gangen."))
    done, refused = 0, []
    for case_id in dict.fromkeys(case_ids):
        try:
            case_decide(actor=actor, group=group, case_id=case_id, decision=decision, reason=reason)
        except ValidationError as exc:
            refused.extend(exc.messages)
        else:
            done += 1
    return BulkResult(done=done, refused=refused)


# --- notices and settings -------------------------------------------------------------


def notice_dismiss(*, actor: User, notice_id: int) -> None:
    """The person has read what moderation told them."""
    updated = Notice.objects.filter(pk=notice_id, user=actor, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("Beskeden er allerede fjernet."))


def settings_update(
    *,
    actor: User,
    group: Group,
    flag_threshold: int,
    hold_first_posts: int,
    held_keywords: str,
    concern_help_text: str,
) -> ModerationSettings:
    """Administrators set the group's threshold, holds and help text."""
    group_perms.forget_memberships(actor)
    perms.require_edit_settings(actor, group)
    if not 1 <= flag_threshold <= 50:
        raise ValidationError(_("Antal anmeldelser skal være mellem 1 og 50."))
    if not 0 <= hold_first_posts <= 50:
        raise ValidationError(_("Antal opslag skal være mellem 0 og 50."))
    keywords = "\n".join(k.strip() for k in (held_keywords or "").splitlines() if k.strip())
    if len(keywords) > KEYWORDS_MAX_LENGTH:
        raise ValidationError(_("Ordlisten må højst være %(n)d tegn.") % {"n": KEYWORDS_MAX_LENGTH})
    help_text = (concern_help_text or "").strip()
    if len(help_text) > HELP_TEXT_MAX_LENGTH:
        raise ValidationError(
            _("Hjælpeteksten må højst være %(n)d tegn.") % {"n": HELP_TEXT_MAX_LENGTH}
        )
    with transaction.atomic():
        row, _created = ModerationSettings.objects.select_for_update().get_or_create(group=group)
        row.flag_threshold = flag_threshold
        row.hold_first_posts = hold_first_posts
        row.held_keywords = keywords
        row.concern_help_text = help_text
        row.save()
        audit.record(
            group=group,
            actor=actor,
            action=AuditAction.SETTINGS,
            detail=_("grænse %(t)d, hold %(h)d, %(k)d ord")
            % {"t": flag_threshold, "h": hold_first_posts, "k": len(keywords.splitlines())},
        )
    return row
