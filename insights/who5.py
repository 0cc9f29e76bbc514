"""WHO-5 wellbeing check-ins: the WHO-5 part of insights' services and
selectors, kept apart as scheduler/publishing.py is.

A member who has said yes answers the five WHO-5 items now and then (a
baseline when they like, then every `who5_every_weeks` weeks, never twice
within 14 days) and sees their own score and trend, privately. The answers
are health data (GDPR art. 9): consent is explicit, recorded with the text's
purpose and version, and withdrawing it deletes the answers. No one else ever
sees a member's answers; staff see aggregates over at least five members,
with secondary suppression (who5_aggregates), and nothing else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.models import ConsentChannel, ConsentPurpose, User
from accounts.services import consent_give, consent_withdraw
from groups import selectors as group_selectors
from groups.models import (
    Group,
    Membership,
    MembershipStatus,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
)
from insights import permissions as perms
from insights.models import Who5Answer, Who5Consent

# Re-exported: the settings selector lives with the predicates that need it.
from insights.permissions import who5_settings as who5_settings
from insights.who5_disclosure import Form, disclosure
from moderation import selectors as mod_selectors
from sammen.dates import format_for

# --- The questionnaire --------------------------------------------------------------
#
# The Danish wording KL publishes, verbatim. Translatable for other languages;
# in Danish the words must stay exactly these (a test holds the catalogue to it).

ITEMS: tuple[Promise, ...] = (
    gettext_lazy("I de sidste 2 uger har jeg været glad og i godt humør"),
    gettext_lazy("I de sidste 2 uger har jeg følt mig rolig og afslappet"),
    gettext_lazy("I de sidste 2 uger har jeg følt mig aktiv og energisk"),
    gettext_lazy("I de sidste 2 uger er jeg vågnet frisk og udhvilet"),
    gettext_lazy("I de sidste 2 uger har min dagligdag været fyldt med ting der interesserer mig"),
)
# In the order of the printed form: from "all of the time" down.
ANSWERS: tuple[tuple[int, Promise], ...] = (
    (5, gettext_lazy("Hele tiden")),
    (4, gettext_lazy("Det meste af tiden")),
    (3, gettext_lazy("Lidt mere end halvdelen af tiden")),
    (2, gettext_lazy("Lidt mindre end halvdelen af tiden")),
    (1, gettext_lazy("Lidt af tiden")),
    (0, gettext_lazy("På intet tidspunkt")),
)
ATTRIBUTION = gettext_lazy("WHO-5 Trivselsindeks. © Psykiatrisk Center Nordsjælland")

# What a member agrees to, stored with their consent (in Danish, the text of
# record, whatever language the page was shown in). A new wording of the
# consent page gets a new version.
CONSENT_PURPOSE = (
    "Trivselsmåling (WHO-5) i gruppen: fem spørgsmål om trivsel med jævne mellemrum. "
    "Kun medlemmet ser sine svar; gruppens personale ser kun gennemsnit for mindst "
    "5 medlemmer. Samtykket kan trækkes tilbage når som helst, og så slettes svarene."
)
CONSENT_VERSION = "2026-11"

MIN_GAP = timedelta(days=14)  # never twice within 14 days
K = 5  # no figure from fewer than five members
LOW_SCORE = 50  # at or below: "Tal med nogen"
LOW_ITEM = 1  # any item answered "Lidt af tiden" or "På intet tidspunkt": the same
HIGH_SCORE = 68  # from here the kind sentence says "godt"
CHANGE_POINTS = 10  # a change of at least this much counts as better or worse


def score_of(answers: Sequence[int]) -> int:
    """The WHO-5 score: the raw sum × 4 (0–100)."""
    return sum(answers) * 4


def clean_answers(answers: Any) -> list[int]:
    """Five whole numbers 0–5, else a ValidationError in Danish."""
    if not isinstance(answers, (list, tuple)) or len(answers) != len(ITEMS):
        raise ValidationError(_("Der skal være et svar på hvert af de fem spørgsmål."))
    clean = []
    for answer in answers:
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= 5:
            raise ValidationError(_("Hvert svar skal være et af de seks svar på listen."))
        clean.append(answer)
    return clean


def needs_support(answers: Sequence[int]) -> bool:
    """ "Tal med nogen": a score of 50 or less, or any item answered 0 or 1
    (the thresholds WHO-5 is used with; the words stay non-diagnostic)."""
    return score_of(answers) <= LOW_SCORE or min(answers) <= LOW_ITEM


def kind_sentence(score: int) -> str:
    """A kind word about the score, never a diagnosis."""
    if score >= HIGH_SCORE:
        return _("Godt at høre, at du har det godt.")
    if score > LOW_SCORE:
        return _("Tak for dine svar. Det er helt almindeligt, at man har det lidt op og ned.")
    return _(
        "Tak, fordi du svarede ærligt. Det lyder, som om du har haft nogle svære uger. "
        "Du behøver ikke stå alene med det."
    )


def date_text(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), format_for("date"))


# --- Selectors: the member's own ----------------------------------------------------


def active_consent(user: Any, group: Group) -> Who5Consent | None:
    return Who5Consent.objects.filter(user=user, group=group, withdrawn_at__isnull=True).first()


def own_answers(user: Any, group: Group) -> QuerySet[Who5Answer]:
    """The person's own check-ins in the group, oldest first. Only ever for
    that person: no view passes anyone else."""
    return Who5Answer.objects.filter(user=user, group=group).order_by("answered_at", "pk")


@dataclass(frozen=True)
class HistoryRow:
    answered_at: datetime
    score: int
    change: int | None  # since the check-in before; None for the first

    @property
    def change_text(self) -> str:
        """The change in words, so no meaning rests on a colour or a sign."""
        if self.change is None:
            return _("første måling")
        if self.change > 0:
            return _("%(points)s point højere end sidst") % {"points": self.change}
        if self.change < 0:
            return _("%(points)s point lavere end sidst") % {"points": -self.change}
        return _("det samme som sidst")


def who5_history(user: Any, group: Group) -> list[HistoryRow]:
    """The person's own scores with dates, oldest first, each beside the one before."""
    rows: list[HistoryRow] = []
    previous: int | None = None
    for answer in own_answers(user, group):
        score = answer.score
        rows.append(
            HistoryRow(
                answered_at=answer.answered_at,
                score=score,
                change=None if previous is None else score - previous,
            )
        )
        previous = score
    return rows


@dataclass(frozen=True)
class Due:
    """Where a person stands with their next check-in."""

    state: str  # "baseline" (never answered), "due", or "later"
    next_at: datetime | None  # when the next one is offered ("later" only)

    @property
    def is_due(self) -> bool:
        return self.state in ("baseline", "due")


def who5_due(user: Any, group: Group, *, now: datetime | None = None) -> Due:
    """A baseline is offered while there is no answer (offered, never forced);
    then one every `who5_every_weeks` weeks after the last; never within 14
    days of it, whatever the setting."""
    now = now or timezone.now()
    last = (
        Who5Answer.objects.filter(user=user, group=group)
        .order_by("-answered_at")
        .values_list("answered_at", flat=True)
        .first()
    )
    if last is None:
        return Due("baseline", None)
    weeks = who5_settings(group).who5_every_weeks
    next_at = last + max(timedelta(weeks=weeks), MIN_GAP)
    return Due("due", None) if now >= next_at else Due("later", next_at)


def who5_needs_support(user: Any, group: Group) -> bool:
    """ "Tal med nogen" after the person's latest check-in."""
    latest = own_answers(user, group).last()
    return latest is not None and needs_support(latest.answers)


def support_context(group: Group) -> dict[str, Any]:
    """What the "Tal med nogen" box offers besides the fixed lines (own
    doctor, Livslinien, 112): the group's own help text, if its
    administrators wrote one, and who its team are.

    Moderation's default help text is not used: it is written for someone who
    reported a concern and says the staff have been told, which is not true
    here (no one is told about a member's answers)."""
    own_text = mod_selectors.settings_for(group).concern_help_text.strip()
    return {
        "group_help_text": own_text,
        # The same people the group's page lists under "Hvem kan du spørge?".
        "team": group_selectors.group_staff_members(group=group),
    }


# --- The offer on the group's page --------------------------------------------------

DECLINED_SESSION_KEY = "insights.who5.declined"  # the group ids a person said "Nej tak" to


@dataclass(frozen=True)
class Offer:
    """What the group page says about WHO-5 to this person."""

    state: str  # "", "invite", "declined", "due" or "later"
    next_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        """For the key of a cached page (pages.views): the page shows this."""
        return (self.state, self.next_at.date().isoformat() if self.next_at else "")


def declined_in(session: Any, group: Group) -> bool:
    return group.pk in (session.get(DECLINED_SESSION_KEY) or [])


def decline_remember(session: Any, group: Group) -> None:
    """ "Nej tak": not asked again in this session (on this device, until
    logging out). Nothing about it is stored in the database: a refusal to
    share health data leaves no record."""
    declined = [pk for pk in (session.get(DECLINED_SESSION_KEY) or []) if pk != group.pk]
    session[DECLINED_SESSION_KEY] = [*declined, group.pk]


def decline_forget(session: Any, group: Group) -> None:
    declined = [pk for pk in (session.get(DECLINED_SESSION_KEY) or []) if pk != group.pk]
    if declined:
        session[DECLINED_SESSION_KEY] = declined
    else:
        session.pop(DECLINED_SESSION_KEY, None)


def who5_offer(user: Any, group: Group, session: Any) -> Offer:
    """For a member who may check in: the invitation (no consent, not
    declined), a quiet link (declined in this session), "it is time"
    (consent, check-in due), or when the next one comes. Nothing for others."""
    declined = declined_in(session, group)
    # Asked twice a request (the cached page's key, then the tag): kept on the
    # user object for the request, as group permissions keep memberships.
    memo: dict[tuple[int, bool], Offer] = user.__dict__.setdefault(_OFFER_ATTR, {})
    if (group.pk, declined) not in memo:
        memo[(group.pk, declined)] = _offer(user, group, declined)
    return memo[(group.pk, declined)]


_OFFER_ATTR = "_sammen_who5_offer"


def _offer(user: Any, group: Group, declined: bool) -> Offer:
    if not perms.can_check_in(user, group):
        return Offer("")
    if active_consent(user, group) is None:
        return Offer("declined" if declined else "invite")
    due = who5_due(user, group)
    return Offer("due") if due.is_due else Offer("later", due.next_at)


# --- Services -------------------------------------------------------------------------


def who5_consent_give(*, actor: User, group: Group) -> Who5Consent:
    """ "Ja, jeg vil gerne være med": the consent, with the purpose and the
    version of the text the person was shown. A second click keeps the first."""
    perms.require_check_in(actor, group)
    try:
        with transaction.atomic():
            consent, _created = Who5Consent.objects.get_or_create(
                user=actor,
                group=group,
                withdrawn_at=None,
                defaults={"purpose": CONSENT_PURPOSE, "text_version": CONSENT_VERSION},
            )
            consent_give(
                user=actor,
                purpose=ConsentPurpose.WHO5,
                scope=ledger_scope(group),
                text_version=CONSENT_VERSION,
            )
    except IntegrityError:  # the double click's other request made it a moment ago
        consent = Who5Consent.objects.get(user=actor, group=group, withdrawn_at__isnull=True)
    return consent


def ledger_scope(group: Group) -> str:
    """The consent ledger's scope of WHO-5 in one group (accounts.Consent)."""
    return f"group:{group.pk}"


def who5_consent_withdraw(*, actor: User, group: Group) -> int:
    """The person's own consent ends and all their answers in the group are
    deleted, together or not at all. Only ever the actor's own: there is no
    consent id to forge. Returns how many answers were deleted."""
    perms.require_own_who5(actor, group)
    with transaction.atomic():
        consent = (
            Who5Consent.objects.select_for_update()
            .filter(user=actor, group=group, withdrawn_at__isnull=True)
            .first()
        )
        answers = Who5Answer.objects.filter(user=actor, group=group)
        if consent is None and not answers.exists():
            raise ValidationError(
                _("Du er ikke med i trivselsmålingen, så der er intet at slette.")
            )
        if consent is not None:
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])
        consent_withdraw(user=actor, purpose=ConsentPurpose.WHO5, scope=ledger_scope(group))
        deleted, _kinds = answers.delete()
    return deleted


def who5_answer_submit(*, actor: User, group: Group, answers: list[int]) -> Who5Answer:
    """A check-in: five answers 0–5, from a member with an active consent,
    never within 14 days of their last. The consent row is locked first, so
    two submits at once (a double click, two tabs) store one check-in."""
    perms.require_check_in(actor, group)
    clean = clean_answers(answers)
    with transaction.atomic():
        consent = (
            Who5Consent.objects.select_for_update()
            .filter(user=actor, group=group, withdrawn_at__isnull=True)
            .first()
        )
        if consent is None:
            raise ValidationError(_("Sig først ja til at være med i trivselsmålingen."))
        now = timezone.now()
        last = (
            Who5Answer.objects.filter(user=actor, group=group)
            .order_by("-answered_at")
            .values_list("answered_at", flat=True)
            .first()
        )
        if last is not None and now < last + MIN_GAP:
            raise ValidationError(
                _("Du har svaret for nylig. Du kan svare igen fra den %(date)s.")
                % {"date": date_text(last + MIN_GAP)}
            )
        return Who5Answer.objects.create(
            user=actor,
            group=group,
            answered_at=now,
            a1=clean[0],
            a2=clean[1],
            a3=clean[2],
            a4=clean[3],
            a5=clean[4],
        )


def who5_membership_ended(*, user_id: int, group: Group) -> int:
    """A membership ended (left, removed, banned): the person can no longer
    reach their answers to withdraw, so their consent ends and the answers
    are deleted, as if they had withdrawn. For a receiver of
    groups.signals.membership_ended, in the transaction that ended it."""
    Who5Consent.objects.filter(user_id=user_id, group=group, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    consent_withdraw(
        user=user_id,
        purpose=ConsentPurpose.WHO5,
        scope=ledger_scope(group),
        channel=ConsentChannel.SYSTEM,
    )
    deleted, _kinds = Who5Answer.objects.filter(user_id=user_id, group=group).delete()
    return deleted


# --- Aggregates for staff -------------------------------------------------------------

MEASURES: tuple[tuple[str, Promise, str], ...] = (
    ("score", gettext_lazy("Gennemsnitlig trivselsscore (0–100)"), "points"),
    ("change", gettext_lazy("Gennemsnitlig ændring siden første måling (point)"), "signed"),
    ("improved", gettext_lazy("Andel med bedre trivsel (mindst 10 point op)"), "percent"),
    ("declined", gettext_lazy("Andel med dårligere trivsel (mindst 10 point ned)"), "percent"),
)
PERIODS = ("this", "previous")


def _priority(periods: Sequence[str]) -> list[tuple[str, str]]:
    """How important each figure of a place is, most first (the group's come
    before any sub-group's): when a combination of figures would single
    someone out, the least important figure in it is the one hidden. Periods
    come newest first: every period's mean score, then every period's changes."""
    first = [(period, "score") for period in periods]
    rest = [(period, m) for period in periods for m in ("change", "improved", "declined")]
    return first + rest


_PRIORITY = tuple(_priority(PERIODS))
MONTHS_SHOWN = 12  # the months whose WHO-5 figures staff can choose (and the one before each)
FEWER_THAN_K = gettext_lazy("færre end 5")
WHO5_CACHE_SECONDS = 60 * 60  # keyed on the data itself: never stale, only evicted
MAX_AUDITED_SUBGROUPS = 12


@dataclass(frozen=True)
class Figure:
    """One cell. `value` and `n` are None when suppressed: "primary" (fewer
    than five members behind it) or "secondary" (together with another
    figure it would tell something about fewer than five)."""

    measure: str
    period: str
    value: int | None
    n: int | None
    suppressed: str = ""

    @property
    def shown(self) -> bool:
        return not self.suppressed

    @property
    def display(self) -> str:
        """The value as the table shows it, or "færre end 5"."""
        if self.value is None:
            return str(FEWER_THAN_K)
        unit = next(u for m, _label, u in MEASURES if m == self.measure)
        if unit == "percent":
            return f"{self.value} %"
        if unit == "signed" and self.value > 0:
            return f"+{self.value}"
        return str(self.value).replace("-", "−")


@dataclass(frozen=True)
class Who5Row:
    measure: str
    label: str
    this: Figure
    previous: Figure


@dataclass(frozen=True)
class Who5Aggregates:
    """The WHO-5 figures of one place (the group, or one sub-group) for a
    period and the period before (templates/insights/who5/partials/aggregates.html)."""

    place_name: str
    subgroup_id: int | None
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime
    figures: dict[tuple[str, str], Figure] = field(repr=False)

    @property
    def rows(self) -> list[Who5Row]:
        return [
            Who5Row(
                measure=measure,
                label=str(label),
                this=self.figures[("this", measure)],
                previous=self.figures[("previous", measure)],
            )
            for measure, label, _unit in MEASURES
        ]

    @property
    def days(self) -> tuple[date, date]:
        """The first and the last day of the period (Copenhagen), for headings."""
        return _days(self.start, self.end)

    @property
    def previous_days(self) -> tuple[date, date]:
        return _days(self.previous_start, self.previous_end)

    @property
    def any_shown(self) -> bool:
        return any(f.shown for f in self.figures.values())

    @property
    def any_suppressed(self) -> bool:
        return any(not f.shown for f in self.figures.values())


def _days(start: datetime, end: datetime) -> tuple[date, date]:
    # [start, end): the last day is the one before the end's midnight.
    last = timezone.localtime(end) - timedelta(microseconds=1)
    return timezone.localtime(start).date(), last.date()


@dataclass
class _Person:
    rows: list[tuple[int, datetime, int]]  # (answer id, answered at, score), oldest first

    def __repr__(self) -> str:  # part of the cache key
        return repr(self.rows)

    def latest_in(self, start: datetime, end: datetime) -> tuple[int, datetime, int] | None:
        inside = [row for row in self.rows if start <= row[1] < end]
        return inside[-1] if inside else None


@dataclass
class _Candidate:
    place: int | None  # sub-group id; None for the group
    period: str
    measure: str
    forms: dict[int, dict[Any, int]]  # person -> their own unknowns' coefficients
    values: list[int]  # score, change, or 1/0 (improved, declined) per person


def _candidates(
    places: dict[int | None, set[int]],
    people: dict[int, _Person],
    periods: dict[str, tuple[datetime, datetime]],
    priority: Sequence[tuple[str, str]] = _PRIORITY,
) -> list[_Candidate]:
    """Every figure of every place, in the order of _PRIORITY, with each
    person's linear form over their own unknowns (see insights.who5_disclosure):
    ("answer", id) is an answer's score; ("better"/"worse", id) whether the
    change up to that answer reached ±10 points."""
    order = [None, *sorted(pk for pk in places if pk is not None)]
    latest = {
        period: {u: p.latest_in(*bounds) for u, p in people.items()}
        for period, bounds in periods.items()
    }
    found = []
    for place in order:
        members = places[place]
        for period, measure in priority:
            forms: dict[int, dict[Any, int]] = {}
            values: list[int] = []
            for user_id in sorted(members):
                row = latest[period].get(user_id)
                if row is None:
                    continue
                first = people[user_id].rows[0]
                if measure == "score":
                    forms[user_id] = {("answer", row[0]): 1}
                    values.append(row[2])
                    continue
                if row[0] == first[0]:
                    continue  # no answer after the baseline yet
                change = row[2] - first[2]
                if measure == "change":
                    forms[user_id] = {("answer", row[0]): 1, ("answer", first[0]): -1}
                    values.append(change)
                elif measure == "improved":
                    forms[user_id] = {("better", row[0]): 1}
                    values.append(int(change >= CHANGE_POINTS))
                else:
                    forms[user_id] = {("worse", row[0]): 1}
                    values.append(int(change <= -CHANGE_POINTS))
            found.append(_Candidate(place, period, measure, forms, values))
    return found


def _publishable(candidates: list[_Candidate]) -> dict[int, str]:
    """Which candidates are suppressed and why (index -> "primary"/"secondary").

    Primary: fewer than five members behind the figure. Secondary: while
    some weighting of the shown figures' sums singles out fewer than five
    people (insights.who5_disclosure.disclosure), the least important figure
    taking part in it is hidden (candidates come in priority order). The
    result depends only on the group's data and the two periods, never on
    which place was asked for, so every page of the dashboard hides the same
    figures."""
    suppressed = {i: "primary" for i, c in enumerate(candidates) if len(c.forms) < K}
    # The audit's cost grows with the places that have figures to show: the
    # MAX_AUDITED_SUBGROUPS sub-groups with the most members who answered take
    # part, the others show nothing (hiding is always safe).
    answered: dict[int, int] = {}
    for i, c in enumerate(candidates):
        if c.place is not None and i not in suppressed:
            answered[c.place] = max(answered.get(c.place, 0), len(c.forms))
    ranked = sorted(answered, key=lambda place: (-answered[place], place))
    left_out = set(ranked[MAX_AUDITED_SUBGROUPS:])
    for i, c in enumerate(candidates):
        if c.place in left_out and i not in suppressed:
            suppressed[i] = "secondary"
    shown = [i for i in range(len(candidates)) if i not in suppressed]
    while shown:
        people: dict[int, list[Form]] = {}
        for column, index in enumerate(shown):
            for user_id, form in candidates[index].forms.items():
                people.setdefault(user_id, []).append((column, form))
        taking_part = disclosure(people, len(shown), k=K)
        if taking_part is None:
            break
        least = shown[max(taking_part)]
        suppressed[least] = "secondary"
        shown.remove(least)
    return suppressed


def _figure(candidate: _Candidate, suppressed: str) -> Figure:
    if suppressed:
        return Figure(candidate.measure, candidate.period, None, None, suppressed)
    n = len(candidate.values)
    total = sum(candidate.values)
    # Whole numbers: precise enough for staff, and no finer than they need.
    if candidate.measure in ("improved", "declined"):
        value = round(100 * total / n)
    else:
        value = round(total / n)
    return Figure(candidate.measure, candidate.period, value, n)


def who5_aggregates(
    *,
    group: Group,
    subgroup: SubGroup | None = None,
    start: datetime,
    end: datetime,
    previous_start: datetime,
    previous_end: datetime,
) -> Who5Aggregates:
    """The WHO-5 figures staff may see for the group or one of its sub-groups,
    for [start, end) and [previous_start, previous_end).

    Who counts: the active members of the place (a sub-group's active members
    who are active in the group), each with their latest check-in in the
    period. Mean score: over those check-ins. Change: for members whose first
    check-in in the group (the baseline) came before that latest one, the
    latest score minus the baseline's; the mean change, and the shares that
    rose or fell by at least 10 points.

    Suppression, so that no figure and no combination of figures tells
    anything about fewer than five members:
    - primary: a figure with fewer than 5 distinct members behind it is not
      shown (value and n None, "færre end 5");
    - secondary: all figures of all places (the group and every sub-group)
      for both periods are decided together. Every figure staff see is a sum
      in disguise (a mean or a share times its n), and staff know roughly who
      stands behind each. While some weighting of the shown sums leaves the
      answers of 1–4 members and no one else's, the least important figure in
      that combination is hidden, and the test runs again. Importance
      (_PRIORITY): the group's figures before any sub-group's (sub-groups by
      id); this period's mean, the period before's mean, then the changes.
      This refuses the group minus a sub-group that lacks 1–4 of its members,
      two sub-groups that differ by a few, the group minus several sub-groups,
      this period's mean minus its change minus the period before's mean
      (which leaves the members whose baseline is in this period), one
      improved share against another. The test is exact: any weights, not
      just sums and differences (insights.who5_disclosure). The decision
      never depends on which place was asked for, so every place's page and
      CSV hide the same figures and no two pages can be subtracted either.
      Only the MAX_AUDITED_SUBGROUPS sub-groups with the most members who
      answered take part; the others' figures are hidden (the test's cost
      grows with the places, and hiding is always safe).
    The n of a shown figure is published and not protected across the two
    periods: it says how many answered, not who, nor what.

    Not covered, for the dashboard to decide: figures from *other* period
    choices (a 90-day and a 30-day view, or yesterday's and today's view of a
    moving window) can be subtracted from each other, and so can figures seen
    before and after a member withdrew. Fixed calendar periods (whole months)
    for the WHO-5 table keep the first in check.

    Cached under a hash of exactly the data it is computed from (memberships
    and check-ins): never stale, and the same data always gives the same
    figures.
    """
    if not (start < end and previous_start < previous_end):
        raise ValueError("who5_aggregates: a period must start before it ends")
    if subgroup is not None and subgroup.group_id != group.pk:
        raise ValueError("who5_aggregates: the sub-group is not the group's")
    periods = {"this": (start, end), "previous": (previous_start, previous_end)}
    family = _cached_family(group, periods)
    return _aggregates_of(
        family, group, subgroup, ("this", periods["this"]), ("previous", periods["previous"])
    )


Places = dict[int | None, set[int]]


def _inputs(group: Group, until: datetime) -> tuple[Places, dict[int, _Person]]:
    """Who is in which place (None: the group; else a sub-group's id), and
    each active member's check-ins before `until` (three queries)."""
    active = Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE)
    members = set(active.values_list("user_id", flat=True))
    places: Places = {None: members}
    for pk in SubGroup.objects.filter(group=group).values_list("pk", flat=True):
        places[pk] = set()
    in_subgroups = SubGroupMembership.objects.filter(
        subgroup__group=group, status=SubGroupMembershipStatus.ACTIVE
    ).values_list("subgroup_id", "user_id")
    for subgroup_id, user_id in in_subgroups:
        if user_id in members:
            places[subgroup_id].add(user_id)
    people: dict[int, _Person] = {}
    answers = (
        Who5Answer.objects.filter(
            group=group,
            user_id__in=active.values("user_id"),
            answered_at__lt=until,
        )
        .order_by("answered_at", "pk")
        .values_list("pk", "user_id", "answered_at", "a1", "a2", "a3", "a4", "a5")
    )
    for pk, user_id, answered_at, *items in answers:
        people.setdefault(user_id, _Person([])).rows.append((pk, answered_at, score_of(items)))
    return places, people


def _family(
    places: Places,
    people: dict[int, _Person],
    periods: dict[str, tuple[datetime, datetime]],
) -> dict[int | None, dict[tuple[str, str], Figure]]:
    """Every place's figures for every period (newest first), decided together."""
    candidates = _candidates(places, people, periods, _priority(list(periods)))
    suppressed = _publishable(candidates)
    family: dict[int | None, dict[tuple[str, str], Figure]] = {}
    for index, candidate in enumerate(candidates):
        figure = _figure(candidate, suppressed.get(index, ""))
        family.setdefault(candidate.place, {})[(candidate.period, candidate.measure)] = figure
    return family


def _cached_family(
    group: Group, periods: dict[str, tuple[datetime, datetime]]
) -> dict[int | None, dict[tuple[str, str], Figure]]:
    """The family under a key of exactly the data it is computed from: the
    same data always gives the same figures on every place's page, and a new
    answer, a withdrawal or a membership change is a new key."""
    places, people = _inputs(group, max(end for _start, end in periods.values()))
    raw = repr(
        (
            group.pk,
            sorted(periods.items()),
            sorted((k or 0, sorted(v)) for k, v in places.items()),
            people,
        )
    )
    key = "insights:who5:" + hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()
    family = cache.get(key)
    if family is None:
        family = _family(places, people, periods)
        cache.set(key, family, WHO5_CACHE_SECONDS)
    return family


def _aggregates_of(
    family: dict[int | None, dict[tuple[str, str], Figure]],
    group: Group,
    subgroup: SubGroup | None,
    this: tuple[str, tuple[datetime, datetime]],
    previous: tuple[str, tuple[datetime, datetime]],
) -> Who5Aggregates:
    wanted = subgroup.pk if subgroup is not None else None
    place = family.get(wanted, {})
    figures = {}
    for shown_as, (period, _bounds) in (("this", this), ("previous", previous)):
        for measure, _label, _unit in MEASURES:
            found = place.get((period, measure))
            figures[(shown_as, measure)] = (
                Figure(measure, shown_as, found.value, found.n, found.suppressed)
                if found is not None
                else Figure(measure, shown_as, None, None, "primary")
            )
    return Who5Aggregates(
        place_name=subgroup.name if subgroup is not None else group.name,
        subgroup_id=wanted,
        start=this[1][0],
        end=this[1][1],
        previous_start=previous[1][0],
        previous_end=previous[1][1],
        figures=figures,
    )


def who5_for_staff(group: Group) -> bool:
    """Whether the dashboard has a WHO-5 table: WHO-5 is on, or was on and
    answers remain."""
    return perms.who5_enabled(group) or Who5Answer.objects.filter(group=group).exists()


def complete_months(now: datetime | None = None, count: int = MONTHS_SHOWN + 1) -> list[date]:
    """The first days of the last `count` whole months (Copenhagen), newest first."""
    first = timezone.localtime(now or timezone.now()).date().replace(day=1)
    months = []
    for _i in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return months


def _month_bounds(first: date) -> tuple[datetime, datetime]:
    following = (first + timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, datetime.min.time(), tzinfo=zone),
        datetime.combine(following, datetime.min.time(), tzinfo=zone),
    )


def who5_month_to_show(
    *, start: datetime, end: datetime, now: datetime | None = None
) -> date | None:
    """The whole month whose WHO-5 figures the dashboard shows for a period
    [start, end): the last whole month that ends inside it (or, for a period
    inside the running month, the last whole month); None when that month is
    older than the months staff can choose."""
    months = complete_months(now)[:MONTHS_SHOWN]
    for first in months:
        if _month_bounds(first)[1] <= end:
            return first
    return None


def who5_monthly(
    *, group: Group, subgroup: SubGroup | None = None, month: date, now: datetime | None = None
) -> Who5Aggregates:
    """The WHO-5 figures of one whole month and the month before, as the
    dashboard shows them.

    Only whole calendar months, and every one of the last MONTHS_SHOWN months
    (with the month before the oldest) is decided in ONE family by
    _publishable: every place, every month, every measure. So whichever month,
    period or sub-group staff choose, every figure they can see this month
    was audited together with every other, and no two of them can be
    combined to single out fewer than five members. (Moving windows such as
    "the last 30 days" would let yesterday's and today's view be subtracted;
    they are not offered for WHO-5.) Figures seen in an earlier month, when
    the family was a different one, are outside the audit, like a figure
    seen before and after a member withdrew."""
    months = complete_months(now)
    if month not in months[:MONTHS_SHOWN]:
        raise ValueError("who5_monthly: not one of the whole months staff can choose")
    if subgroup is not None and subgroup.group_id != group.pk:
        raise ValueError("who5_monthly: the sub-group is not the group's")
    periods = {first.isoformat(): _month_bounds(first) for first in months}
    family = _cached_family(group, periods)
    before = months[months.index(month) + 1]
    return _aggregates_of(
        family,
        group,
        subgroup,
        (month.isoformat(), periods[month.isoformat()]),
        (before.isoformat(), periods[before.isoformat()]),
    )


def who5_csv_rows(agg: Who5Aggregates) -> list[list[str]]:
    """The header and one row per shown figure, for the dashboard's CSV
    download (whole numbers, ISO dates: Danish Excel reads both). A
    suppressed figure has no row: nothing of it leaves the page, not even as
    a blank cell."""
    header = [
        _("Sted"),
        _("Mål"),
        _("Periode"),
        pgettext("first day of a period, a CSV column", "Fra"),
        pgettext("last day of a period, a CSV column", "Til"),
        _("Værdi"),
        _("Enhed"),
        _("Antal medlemmer"),
    ]
    bounds = {
        "this": (*agg.days, _("Denne periode")),
        "previous": (*agg.previous_days, _("Perioden før")),
    }
    units = {"points": _("point"), "signed": _("point"), "percent": _("procent")}
    rows = [header]
    for measure, label, unit in MEASURES:
        for period in PERIODS:
            figure = agg.figures[(period, measure)]
            if not figure.shown:
                continue
            first, last, name = bounds[period]
            rows.append(
                [
                    agg.place_name,
                    str(label),
                    name,
                    first.isoformat(),
                    last.isoformat(),
                    str(figure.value),
                    units[unit],
                    str(figure.n),
                ]
            )
    return rows
