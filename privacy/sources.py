"""The registry's entries (privacy.registry.Source), one per table that holds
a person's rows, with the export's columns in Danish.

Other people are masked (docs/architecture.md, "privacy"): another person's
name appears only as the author of a post the member can read in Sammen
today (visible, in a group they are an active member of), where a
notification is about that post; everywhere else "et andet medlem", and
moderators and those who decided are never named.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Consent, LoginRecord
from directory.models import CoordinatorRequest, Entry
from groups.models import Membership, MembershipStatus
from posts.models import ContentState
from privacy.registry import Source

ANOTHER = "et andet medlem"


def when(value: Any) -> str:
    """A moment in Danish local time, ISO 8601 with its offset ("" for none)."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


class Context:
    """What the columns need to know about the member whose export it is."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.active_groups = set(
            Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values_list(
                "group_id", flat=True
            )
        )

    def author_name(self, post: Any) -> str:
        """The masking rule: a name only where the member can read it today."""
        if (
            post is not None
            and post.author_id is not None
            and post.state == ContentState.VISIBLE
            and post.group_id in self.active_groups
        ):
            return post.author.display_name if post.author_id != self.user.pk else "dig"
        return ANOTHER


def _profile(u: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": u.pk,
        "visningsnavn": u.display_name,
        "e-mail": u.email,
        "kort_om_dig": u.bio,
        "profilbillede": "profilbillede/" + u.avatar.name.rsplit("/", 1)[-1] if u.avatar else "",
        "oprettet": when(u.date_joined),
        "sidst_logget_ind": when(u.last_login),
        "aktiv": u.is_active,
    }


def _email(e: Any, ctx: Context) -> dict[str, Any]:
    return {"id": e.pk, "e-mail": e.email, "bekraeftet": e.verified, "primaer": e.primary}


def _login(r: Any, ctx: Context) -> dict[str, Any]:
    return {"id": r.pk, "tidspunkt": when(r.at), "bekraeftelse_af_adgangskode": r.reauthentication}


def _consent(c: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": c.pk,
        "formaal": c.get_purpose_display(),
        "gaelder": c.scope,
        "tekstens_version": c.text_version,
        "givet": when(c.given_at),
        "givet_hvordan": c.get_given_channel_display(),
        "trukket_tilbage": when(c.withdrawn_at),
        "trukket_tilbage_hvordan": c.get_withdrawn_channel_display() if c.withdrawn_channel else "",
    }


def _membership(m: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": m.pk,
        "gruppe": m.group.name,
        "rolle": m.get_role_display(),
        "status": m.get_status_display(),
        "anmodet": when(m.requested_at),
        "medlem_siden": when(m.joined_at),
        "besluttet": when(m.decided_at),
        "besked_ved_beslutning": m.decision_message,
        "svar_paa_spoergsmaal": m.answers,
        "paa_pause_indtil": when(m.muted_until),
        "velkomst_lukket": when(m.welcomed_at),
    }


def _sub_membership(m: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": m.pk,
        "gruppe": m.subgroup.group.name,
        "undergruppe": m.subgroup.name,
        "status": m.get_status_display(),
        "anmodet": when(m.requested_at),
        "medlem_siden": when(m.joined_at),
    }


def _post(p: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": p.pk,
        "gruppe": p.group.name,
        "undergruppe": p.subgroup.name if p.subgroup_id else "",
        "tekst": p.body,
        "tema": p.get_theme_display() if p.theme else "",
        "tilstand": p.get_state_display(),
        "fastgjort": p.pinned,
        "skrevet": when(p.created_at),
        "rettet": when(p.edited_at),
        "antal_kommentarer": p.comment_count,
        "antal_reaktioner": p.reaction_count,
    }


def _post_revision(r: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": r.pk,
        "opslag_id": r.post_id,
        "tekst_foer_rettelsen": r.body,
        "rettet": when(r.edited_at),
    }


def _comment(c: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": c.pk,
        "opslag_id": c.post_id,
        "svar_paa_kommentar_id": c.parent_id or "",
        "gruppe": c.post.group.name,
        "tekst": c.body,
        "tilstand": c.get_state_display(),
        "skrevet": when(c.created_at),
        "rettet": when(c.edited_at),
    }


def _comment_revision(r: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kommentar_id": r.comment_id,
        "tekst_foer_rettelsen": r.body,
        "rettet": when(r.edited_at),
    }


def _reaction(r: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reaktion": r.get_kind_display(),
        "paa_opslag_id": r.post_id or "",
        "paa_kommentar_id": r.comment_id or "",
        "tidspunkt": when(r.created_at),
    }


def _arcname(kind: str, row: Any) -> str:
    """A photo's name in the archive, by the kind of row it belongs to."""
    ext = "png" if row.image.name.endswith(".png") else "jpg"
    return f"billeder/{kind}-{row.pk}.{ext}"


def photo_arcname(image: Any) -> str:
    return _arcname("foto", image)


def _photo(i: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": i.pk,
        "opslag_id": i.post_id,
        "fil": photo_arcname(i),
        "billedbeskrivelse": i.alt_text,
        "bredde": i.width,
        "hoejde": i.height,
    }


def _mention(m: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": m.pk,
        "i_opslag_id": m.post_id,
        "i_kommentar_id": m.comment_id or "",
        "tidspunkt": when(m.created_at),
    }


def _flag(f: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": f.pk,
        "gruppe": f.group.name,
        "opslag_id": f.post_id,
        "kommentar_id": f.comment_id or "",
        "grund": f.get_reason_display(),
        "uddybning": f.note,
        "tidspunkt": when(f.created_at),
    }


def _case(c: Any, ctx: Context) -> dict[str, Any]:
    # Moderators are not named (moderation's rule: the author hears the outcome).
    return {
        "id": c.pk,
        "gruppe": c.group.name,
        "opslag_id": c.post_id,
        "kommentar_id": c.comment_id or "",
        "status": c.get_state_display(),
        "holdt_tilbage_fordi": c.get_held_reason_display() if c.held_reason else "",
        "antal_anmeldelser": c.flag_count,
        "skjult_automatisk": c.auto_hidden,
        "aabnet": when(c.opened_at),
        "afgjort": when(c.resolved_at),
        "afgoerelse": c.get_decision_display() if c.decision else "",
        "over_for_dig": c.get_author_action_display() if c.author_action else "",
        "begrundelse": c.resolution_reason,
    }


def _audit(a: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": a.pk,
        "gruppe": a.group.name,
        "handling": a.get_action_display(),
        "opslag_id": a.post_ref or "",
        "kommentar_id": a.comment_ref or "",
        "begrundelse": a.reason,
        "tidspunkt": when(a.created_at),
    }


def _notice(n: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": n.pk,
        "gruppe": n.group.name,
        "handling": n.get_action_display(),
        "om_en_kommentar": n.is_comment,
        "opslag_id": n.post_ref or "",
        "uddrag": n.excerpt,
        "begrundelse": n.reason,
        "indtil": when(n.until),
        "tidspunkt": when(n.created_at),
        "lukket": when(n.dismissed_at),
    }


def _scheduled(s: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": s.pk,
        "sted": s.place_name,
        "tekst": s.body,
        "tema": s.get_theme_display() if s.theme else "",
        "tilstand": s.get_state_display(),
        "udgives": when(s.publish_at),
        "udgivet": when(s.published_at),
        "blev_til_opslag_id": s.post_id or "",
        "oprettet": when(s.created_at),
    }


def scheduled_photo_arcname(photo: Any) -> str:
    return _arcname("planlagt", photo)


def _scheduled_photo(p: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": p.pk,
        "planlagt_opslag_id": p.scheduled_post_id,
        "fil": scheduled_photo_arcname(p),
        "billedbeskrivelse": p.alt_text,
    }


def _preference(p: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": p.pk,
        "gruppe": p.group.name,
        "undergruppe": p.subgroup.name if p.subgroup_id else "",
        "niveau": p.get_level_display(),
    }


def _follow(f: Any, ctx: Context) -> dict[str, Any]:
    return {"id": f.pk, "opslag_id": f.post_id, "foelger": f.following, "siden": when(f.created_at)}


def _notification(n: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": n.pk,
        "slags": n.get_kind_display(),
        "gruppe": n.group.name if n.group_id else "",
        "opslag_id": n.post_id or "",
        "opslagets_forfatter": ctx.author_name(n.post) if n.post_id else "",
        "kommentar_id": n.comment_id or "",
        "fra": _actor(n, ctx),
        "antal": n.count,
        "tekst": n.text,
        "oprettet": when(n.created_at),
        "opdateret": when(n.updated_at),
        "laest": when(n.read_at),
        "sendt_som_e-mail": when(n.emailed_at),
    }


def _actor(n: Any, ctx: Context) -> str:
    """Who did it: named only when it is the author of the post it is about
    and the masking rule allows that name."""
    if n.actor_id is None:
        return ""
    if n.actor_id == ctx.user.pk:
        return "dig"
    if n.post_id and n.actor_id == n.post.author_id:
        return ctx.author_name(n.post)
    return ANOTHER


def _mail_settings(m: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": m.pk,
        "e-mail_om_svar_og_omtaler": m.immediate,
        "oversigt": m.get_digest_display(),
        "ugedag_for_oversigten": m.digest_weekday,
        "stoppet_adresse": m.stopped_address,
        "stoppet_fordi": m.stopped_reason,
        "stoppet": when(m.stopped_at),
    }


def _sent_mail(m: Any, ctx: Context) -> dict[str, Any]:
    return {"id": m.pk, "slags": m.get_kind_display(), "sendt": when(m.sent_at)}


def _digest(d: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": d.pk,
        "for_dagen": when(d.period),
        "tilstand": d.get_state_display(),
        "sendt": when(d.sent_at),
    }


def _push(p: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": p.pk,
        "push_tjeneste": urlsplit(p.endpoint).hostname or "",
        "tilmeldt": when(p.created_at),
        "sidst_sendt": when(p.last_sent_at),
    }


def _view(v: Any, ctx: Context) -> dict[str, Any]:
    return {"id": v.pk, "gruppe": v.group.name, "opslag_id": v.post_id, "dag": when(v.day)}


def _who5_consent(c: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": c.pk,
        "gruppe": c.group.name,
        "formaal": c.purpose,
        "tekstens_version": c.text_version,
        "givet": when(c.given_at),
        "trukket_tilbage": when(c.withdrawn_at),
    }


def _who5_answer(a: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": a.pk,
        "gruppe": a.group.name,
        "besvaret": when(a.answered_at),
        "svar_1": a.a1,
        "svar_2": a.a2,
        "svar_3": a.a3,
        "svar_4": a.a4,
        "svar_5": a.a5,
        "score_0_100": a.score,
    }


def _weekly(r: Any, ctx: Context) -> dict[str, Any]:
    return {"id": r.pk, "gruppe": r.group.name, "tilmeldt": when(r.created_at)}


def _weekly_sent(r: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": r.pk,
        "gruppe": r.group.name,
        "uge": when(r.week),
        "tilstand": r.get_state_display(),
        "sendt": when(r.sent_at),
    }


def _entry(e: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": e.pk,
        "titel": e.title,
        "beskrivelse": e.description,
        "arrangoer": e.organiser_name,
        "status": e.get_status_display(),
        "begrundelse": e.status_reason,
        "adresse": e.address,
        "kontaktperson": e.contact_name,
        "telefon": e.contact_phone,
        "e-mail": e.contact_email,
        "hjemmeside": e.website,
        "oprettet": when(e.created_at),
        "offentliggjort": when(e.published_at),
    }


def _entry_change(c: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": c.pk,
        "faellesskab_id": c.entry_id,
        "handling": c.get_action_display(),
        "kort": c.summary,
        "tidspunkt": when(c.at),
    }


def _entry_revision(r: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": r.pk,
        "faellesskab_id": r.entry_id,
        "forslag": r.proposed,
        "tilstand": r.get_state_display(),
        "sendt": when(r.submitted_at),
        "besluttet": when(r.decided_at),
        "begrundelse": r.reason,
    }


def _role(r: Any, ctx: Context) -> dict[str, Any]:
    return {"id": r.pk, "rolle": r.get_role_display(), "siden": when(r.created_at)}


def _authenticator(a: Any, ctx: Context) -> dict[str, Any]:
    # The secret itself never leaves the server.
    return {
        "id": a.pk,
        "slags": str(a.get_type_display()) if hasattr(a, "get_type_display") else a.type,
        "oprettet": when(getattr(a, "created_at", None)),
        "sidst_brugt": when(getattr(a, "last_used_at", None)),
    }


def _favourite(f: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": f.pk,
        "faellesskab_id": f.entry_id,
        "titel": f.entry.title,
        "gemt": when(f.created_at),
    }


def coordinator_requests(user: Any) -> QuerySet[Any]:
    """A member's requests to talk to a coordinator: those the consent ledger
    ties to them (asked while logged in) and those sent with one of their
    verified e-mail addresses."""
    ids = [
        int(scope.split(":", 1)[1])
        for scope in Consent.objects.filter(
            user=user, purpose="coordinator", scope__startswith="request:"
        ).values_list("scope", flat=True)
        if scope.split(":", 1)[1].isdigit()
    ]
    addresses = [
        a.lower()
        for a in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    ]
    condition = Q(pk__in=ids)
    for address in addresses:
        condition |= Q(email__iexact=address)
    return CoordinatorRequest.objects.filter(condition).order_by("pk")


def _coordinator(r: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": r.pk,
        "navn": r.name,
        "telefon": r.phone,
        "e-mail": r.email,
        "hvornaar_maa_vi_ringe": r.get_call_time_display(),
        "hvad_vil_du_gerne": r.wish,
        "paa_vegne_af": r.on_behalf_of,
        "samtykke": r.consent_purpose,
        "samtykkets_version": r.consent_version,
        "samtykke_givet": when(r.consent_given_at),
        "status": r.get_state_display(),
        "sendt": when(r.created_at),
        "ringes_op_senest": when(r.due_on),
    }


def directory_submissions(user: Any) -> QuerySet[Any]:
    return Entry.objects.filter(created_by=user).order_by("pk")


def _self(user: Any) -> QuerySet[Any]:
    return type(user)._default_manager.filter(pk=user.pk)


def _exports(e: Any, ctx: Context) -> dict[str, Any]:
    return {
        "id": e.pk,
        "tilstand": e.get_state_display(),
        "bestilt": when(e.requested_at),
        "klar": when(e.ready_at),
        "udloeber": when(e.expires_at),
        "hentet": when(e.downloaded_at),
    }


# What the erasure does, in words (the same for both choices unless it says).
CASCADE = "slettes med kontoen"
SET_NULL = "bliver stående uden dit navn"

SOURCES: list[Source] = [
    Source(
        "accounts.User",
        rows=_self,
        file="profil",
        title="Din profil",
        columns=_profile,
        erase=CASCADE,
    ),
    Source(
        "account.EmailAddress",
        ("user",),
        "emailadresser",
        "Dine e-mailadresser",
        columns=_email,
        erase=CASCADE,
    ),
    Source(
        "accounts.LoginRecord",
        ("user",),
        "log_ind_historik",
        "Hvornår du har logget ind",
        columns=_login,
        erase=CASCADE,
    ),
    Source(
        "accounts.Consent",
        ("user",),
        "samtykker",
        "Dine samtykker",
        columns=_consent,
        erase=CASCADE,
    ),
    Source(
        "groups.Membership",
        ("user",),
        "medlemskaber",
        "Dine medlemskaber, roller og svar",
        columns=_membership,
        related=("group",),
        erase=CASCADE,
    ),
    Source(
        "groups.SubGroupMembership",
        ("user",),
        "undergrupper",
        "Dine undergrupper",
        columns=_sub_membership,
        related=("subgroup__group",),
        erase=CASCADE,
    ),
    Source(
        "posts.Post",
        ("author",),
        "opslag",
        "Dine opslag i alle tilstande",
        columns=_post,
        related=("group", "subgroup"),
        erase="Slet alt: slettes. Anonymisér: bliver stående under «Tidligere medlem»",
    ),
    Source(
        "posts.PostRevision",
        ("post__author",),
        "opslag_tidligere_versioner",
        "Tidligere versioner af dine opslag",
        columns=_post_revision,
        erase="følger opslaget",
    ),
    Source(
        "posts.Comment",
        ("author",),
        "kommentarer",
        "Dine kommentarer i alle tilstande",
        columns=_comment,
        related=("post__group",),
        erase=(
            "Slet alt: slettes, eller «[Slettet]» hvis andre har svaret. "
            "Anonymisér: bliver stående under «Tidligere medlem»"
        ),
    ),
    Source(
        "posts.CommentRevision",
        ("comment__author",),
        "kommentarer_tidligere_versioner",
        "Tidligere versioner af dine kommentarer",
        columns=_comment_revision,
        erase="følger kommentaren",
    ),
    Source(
        "posts.Reaction",
        ("user",),
        "reaktioner",
        "Dine reaktioner",
        columns=_reaction,
        erase=CASCADE,
    ),
    Source(
        "posts.PostImage",
        ("post__author",),
        "billeder",
        "Dine billeder med billedbeskrivelser (filerne ligger i mappen billeder)",
        columns=_photo,
        erase="følger opslaget; filerne i alle størrelser slettes med det",
    ),
    Source(
        "posts.Mention",
        ("user",),
        "omtaler",
        "Hvor andre har nævnt dig med @",
        columns=_mention,
        erase=CASCADE + "; dit navn i teksterne skrives om til «@Tidligere medlem»",
    ),
    Source(
        "moderation.Flag",
        ("user",),
        "anmeldelser",
        "Dine anmeldelser af opslag og kommentarer",
        columns=_flag,
        related=("group",),
        erase=CASCADE,
    ),
    Source(
        "moderation.Case",
        ("author",),
        "moderation_sager",
        "Sager i moderationskøen om det, du har skrevet (uden moderatorernes navne)",
        columns=_case,
        related=("group",),
        erase="følger indholdet; afgørelsen bliver stående uden dit navn",
    ),
    Source(
        "moderation.AuditEntry",
        ("target_user",),
        "moderation_log",
        "Moderationsloggens linjer om dig (uden moderatorernes navne)",
        columns=_audit,
        related=("group",),
        erase="bliver stående som «Tidligere medlem #n»",
    ),
    Source(
        "moderation.Notice",
        ("user",),
        "moderation_beskeder",
        "Hvad moderatorerne har fortalt dig",
        columns=_notice,
        related=("group",),
        erase=CASCADE,
    ),
    Source(
        "scheduler.ScheduledPost",
        ("author",),
        "planlagte_opslag",
        "Opslag, du har planlagt i ugeplanen",
        columns=_scheduled,
        erase=CASCADE + " med billederne",
    ),
    Source(
        "scheduler.ScheduledPhoto",
        ("scheduled_post__author",),
        "planlagte_billeder",
        "Billeder til dine planlagte opslag",
        columns=_scheduled_photo,
        erase=CASCADE,
    ),
    Source(
        "notifications.Preference",
        ("user",),
        "beskeder_indstillinger",
        "Hvor meget du hører fra hver gruppe",
        columns=_preference,
        related=("group", "subgroup"),
        erase=CASCADE,
    ),
    Source(
        "notifications.Follow",
        ("user",),
        "foelger_opslag",
        "Opslag, du følger eller ikke følger",
        columns=_follow,
        erase=CASCADE,
    ),
    Source(
        "notifications.Notification",
        ("recipient",),
        "beskeder",
        "Dine beskeder (klokken)",
        columns=_notification,
        related=("group", "post__author"),
        erase=CASCADE,
    ),
    Source(
        "notifications.MailSettings",
        ("user",),
        "e-mail_indstillinger",
        "Dine e-mail-valg",
        columns=_mail_settings,
        erase=CASCADE,
    ),
    Source(
        "notifications.SentMail",
        ("user",),
        "sendte_e-mails",
        "E-mails, vi har sendt dig",
        columns=_sent_mail,
        erase=CASCADE,
    ),
    Source(
        "notifications.Digest",
        ("user",),
        "oversigter",
        "Oversigter (e-mails), vi har lavet til dig",
        columns=_digest,
        erase=CASCADE,
    ),
    Source(
        "notifications.PushSubscription",
        ("user",),
        "telefoner",
        "Telefoner og browsere, der får beskeder (web push)",
        columns=_push,
        erase=CASCADE,
    ),
    Source(
        "insights.PostView",
        ("user",),
        "visninger",
        "Hvilke opslag du har set hvilke dage (vises kun som tal for de ansatte)",
        columns=_view,
        related=("group",),
        erase=CASCADE,
    ),
    Source(
        "insights.Who5Consent",
        ("user",),
        "trivsel_samtykker",
        "Dine samtykker til trivselsmålingen",
        columns=_who5_consent,
        related=("group",),
        erase=CASCADE,
    ),
    Source(
        "insights.Who5Answer",
        ("user",),
        "trivsel_svar",
        "Dine svar i trivselsmålingen (WHO-5) med score",
        columns=_who5_answer,
        related=("group",),
        erase=CASCADE,
    ),
    Source(
        "insights.WeeklyReport",
        ("user",),
        "ugens_tal",
        "Grupper, du får «Ugens tal» fra",
        columns=_weekly,
        related=("group",),
        erase=CASCADE,
    ),
    Source(
        "insights.WeeklyReportSent",
        ("user",),
        "ugens_tal_sendt",
        "«Ugens tal», vi har sendt dig",
        columns=_weekly_sent,
        related=("group",),
        erase=CASCADE,
    ),
    Source(
        "directory.Entry",
        rows=directory_submissions,
        file="faellesskaber_indsendt",
        title="Fællesskaber, du har sendt ind",
        columns=_entry,
        erase=(
            "ikke offentliggjorte slettes; offentliggjorte tilhører foreningen og bliver "
            "stående uden dit navn og din e-mail"
        ),
    ),
    Source(
        "directory.EntryRevision",
        ("submitted_by",),
        "faellesskaber_rettelser",
        "Dine forslag til rettelser",
        columns=_entry_revision,
        erase="ventende slettes; afgjorte bliver stående uden dit navn",
    ),
    Source(
        "directory.EntryChange",
        ("actor",),
        "faellesskaber_log",
        "Hvad du har gjort ved fællesskaber",
        columns=_entry_change,
        erase=SET_NULL,
    ),
    Source(
        "directory.DirectoryRole",
        ("user",),
        "faellesskaber_roller",
        "Dine roller i fællesskabsoversigten",
        columns=_role,
        erase=CASCADE,
    ),
    Source(
        "directory.Favourite",
        ("user",),
        "faellesskaber_favoritter",
        "Dine gemte fællesskaber",
        columns=_favourite,
        related=("entry",),
        erase=CASCADE,
    ),
    Source(
        "directory.CoordinatorRequest",
        rows=coordinator_requests,
        file="samtaleoensker",
        title="Dine ønsker om en samtale med en fællesskabskoordinator",
        columns=_coordinator,
        erase="slettes med noterne",
    ),
    Source(
        "privacy.ExportRequest",
        ("user",),
        "kopier",
        "Kopier af dine data, du har bestilt",
        columns=_exports,
        erase=CASCADE + " med filerne",
    ),
    Source(
        "mfa.Authenticator",
        ("user",),
        "to_faktor",
        "Dine måder at logge ind med to faktorer (uden hemmelighederne)",
        columns=_authenticator,
        erase=CASCADE,
    ),
    # The person's rows that are not theirs to receive:
    Source(
        "directory.RequestNote",
        ("author",),
        why_not="a coordinator's notes about other citizens' requests",
        erase=SET_NULL,
    ),
    Source(
        "admin.LogEntry",
        ("user",),
        why_not="a site operator's own admin log; it names what they changed for others",
        erase=CASCADE,
    ),
    Source(
        "sessions.Session",
        rows=lambda user: _no_rows(),
        why_not="the login cookie's secret; deleted at logout and deletion (found by decoding)",
        erase="slettes",
    ),
    Source(
        "account.EmailConfirmation",
        ("email_address__user",),
        why_not="a secret confirmation key",
        erase=CASCADE,
    ),
]


def _no_rows() -> QuerySet[Any]:
    return LoginRecord.objects.none()


BY_MODEL: dict[str, Source] = {source.model: source for source in SOURCES}
