"""A few realistic items waiting in the demo group's moderation queue (one of
them a concern for a member) and a short history in its log, so the queue is
not empty on first look. Everything goes through the moderation and posts
services, as it would in use; only timestamps are moved back afterwards."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from groups.models import Group
from groups.selectors import group_changed
from moderation import services as mod_services
from moderation.models import AuditEntry, Case, Flag, FlagReason, Notice
from posts import services as post_services
from posts.models import Comment, FeedEvent, Post

HELP_TEXT = (
    "Tak, fordi du sagde til. Gruppens medarbejdere har fået besked og tager kontakt.\n"
    "Er nogen i akut fare, så ring 112.\n"
    "Livslinien: 70 201 201 – anonym samtale, hvis livet er svært.\n"
    "Psykiatrifondens telefonrådgivning: 39 25 25 25.\n"
    "Du kan også altid ringe til din egen læge eller til lægevagten."
)
KEYWORDS = "kasino\ngratis penge\nkøb nu"


def _back(model: type, pk: int, field: str, when: object) -> None:
    model.objects.filter(pk=pk).update(**{field: when})  # type: ignore[attr-defined]


def seed_moderation(*, group: Group, admin: User, moderator: User, members: list[User]) -> None:
    """Once: skipped when the group already has moderation cases."""
    if Case.objects.filter(group=group).exists():
        return
    now = timezone.now()
    writer, worried, sad, rude, seller = members[3], members[4], members[6], members[8], members[10]
    flaggers = members[12:18]

    # Earlier history: a comment with a phone number removed two days ago, the
    # writer warned; a flag about a recipe dismissed yesterday.
    recipe = (
        Post.objects.filter(group=group, subgroup=None, author__in=members)
        .order_by("created_at")
        .first()
    )
    if recipe is None:
        return
    shared = post_services.comment_create(
        actor=rude, post=recipe, body="Ring til mig på 20 30 40 50, så sælger jeg dig nogle æg."
    )
    mod_services.flag_create(
        actor=flaggers[0], post=recipe, comment=shared, reason=FlagReason.SPAM, note=""
    )
    removed = Case.objects.get(comment=shared)
    mod_services.case_decide(
        actor=moderator,
        group=group,
        case_id=removed.pk,
        decision="remove",
        author_action="warn",
        reason="Vi deler ikke telefonnumre og salg i gruppen. Skriv gerne til en medarbejder.",
    )
    mod_services.flag_create(
        actor=flaggers[1],
        post=recipe,
        reason=FlagReason.MISINFORMATION,
        note="Man skal ikke bage med så meget salt",
    )
    dismissed = Case.objects.get(post=recipe, comment=None)
    mod_services.case_approve(
        actor=admin, group=group, case_id=dismissed.pk, reason="Opskriften er i orden."
    )
    for case, days in ((removed, 2), (dismissed, 1)):
        for entry in AuditEntry.objects.filter(case=case):
            _back(AuditEntry, entry.pk, "created_at", now - timedelta(days=days))
        _back(Case, case.pk, "opened_at", now - timedelta(days=days, hours=3))
        _back(Case, case.pk, "resolved_at", now - timedelta(days=days))
    Notice.objects.filter(group=group).update(created_at=now - timedelta(days=1))

    # Waiting now. A concern for a member, at the top of the queue.
    low = post_services.post_create(
        actor=sad,
        group=group,
        body="Det har været en hård uge. Jeg sover dårligt, og jeg kan ikke rigtig se "
        "meningen med noget som helst lige nu. Undskyld, at jeg skriver det her.",
    )
    _back(Post, low.pk, "created_at", now - timedelta(hours=2))
    mod_services.flag_create(
        actor=worried,
        post=low,
        reason=FlagReason.CONCERN,
        note="Jeg er bekymret for hende. Kan en medarbejder ringe til hende?",
    )
    # Spam, hidden after three flags.
    spam = post_services.post_create(
        actor=seller,
        group=group,
        body="Billige solbriller og ure på min hjemmeside – kun i dag! Skriv for at få et link.",
    )
    _back(Post, spam.pk, "created_at", now - timedelta(hours=5))
    for person in flaggers[2:5]:
        mod_services.flag_create(actor=person, post=spam, reason=FlagReason.SPAM, note="")
    # An unkind comment, flagged once.
    target = Post.objects.filter(group=group, subgroup=None, author=writer).first() or recipe
    unkind = post_services.comment_create(
        actor=rude, post=target, body="Det er da noget pjat at skrive om. Tag dig dog sammen."
    )
    mod_services.flag_create(
        actor=flaggers[5],
        post=target,
        comment=unkind,
        reason=FlagReason.HARASSMENT,
        note="Meget uvenligt svar til en, der lige er startet i gruppen.",
    )
    # The group's settings (set last so the items above are not held), then an
    # item held for approval by the word list.
    mod_services.settings_update(
        actor=admin,
        group=group,
        flag_threshold=3,
        hold_first_posts=1,
        held_keywords=KEYWORDS,
        concern_help_text=HELP_TEXT,
    )
    AuditEntry.objects.filter(group=group, action="settings").update(
        created_at=now - timedelta(days=3)
    )
    post_services.post_create(
        actor=seller, group=group, body="Vil I have gratis penge? Jeg kender et kasino online."
    )

    for case, hours in (
        (Case.objects.get(post=low), 2),
        (Case.objects.get(post=spam), 4),
        (Case.objects.get(comment=unkind), 20),
    ):
        _back(Case, case.pk, "opened_at", now - timedelta(hours=hours))
        _back(Case, case.pk, "last_activity_at", now - timedelta(hours=hours))
        Flag.objects.filter(case=case).update(created_at=now - timedelta(hours=hours))
    _back(Comment, unkind.pk, "created_at", now - timedelta(hours=21))
    # The live event log starts after seeding, as for the rest of the content.
    FeedEvent.objects.filter(group=group).delete()
    # With its events gone, the group's last event id can repeat an earlier
    # one: a new generation keeps readers from cached pages of before.
    transaction.on_commit(partial(group_changed, group.pk))
