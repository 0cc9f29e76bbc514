"""WHO-5 aggregates for staff: the figures, fewer than five members never
shown, and no combination of shown figures (group and sub-groups, this period
and the one before, means, changes and shares) singling out a member.

The attacker here is independent of insights.who5_disclosure: it knows, as
staff roughly do, who is in which place and who answered when, and tries
every sum and difference of up to three shown figures' totals (a mean or a
share times its n) for one that rests on 1–4 members only."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string

from accounts.models import User
from groups.models import Group, MembershipStatus, SubGroup, SubGroupMembershipStatus
from insights import who5
from insights.models import Who5Answer
from tests.conftest import make_group, make_membership, make_subgroup, make_user

pytestmark = pytest.mark.django_db

# The period and the one before it, from midnight in Copenhagen as the dashboard's.
CPH = ZoneInfo("Europe/Copenhagen")
P0 = datetime(2026, 6, 1, tzinfo=CPH)
T0 = datetime(2026, 9, 1, tzinfo=CPH)
T1 = datetime(2026, 12, 1, tzinfo=CPH)
BASE = datetime(2026, 1, 15, tzinfo=CPH)  # before both periods


@dataclass
class World:
    group: Group
    people: list[User] = field(default_factory=list)
    subgroups: dict[str, SubGroup] = field(default_factory=dict)

    def person(self, name: str = "") -> User:
        user = make_user(display_name=name or None)
        make_membership(user, self.group)
        self.people.append(user)
        return user

    def answer(self, user: User, when: datetime, score: int) -> Who5Answer:
        """A check-in with this score (a multiple of 4), written directly."""
        raw = score // 4
        items = [min(5, max(0, raw - 5 * i)) for i in range(5)]
        assert sum(items) * 4 == score
        return Who5Answer.objects.create(
            user=user,
            group=self.group,
            answered_at=when,
            **dict(zip(ANSWER_FIELDS, items, strict=True)),
        )

    def sub(self, name: str, members: list[User]) -> SubGroup:
        self.subgroups[name] = make_subgroup(self.group, name, members=members)
        return self.subgroups[name]

    def aggregates(self, subgroup: SubGroup | None = None) -> who5.Who5Aggregates:
        return who5.who5_aggregates(
            group=self.group,
            subgroup=subgroup,
            start=T0,
            end=T1,
            previous_start=P0,
            previous_end=T0,
        )


ANSWER_FIELDS = ("a1", "a2", "a3", "a4", "a5")


@pytest.fixture
def world(db: None) -> World:
    return World(make_group("Trivselsgruppen", admin=make_user()))


def answered(
    world: World, n: int, score: int = 60, when: datetime = T0 + timedelta(days=10)
) -> list[User]:
    people = [world.person() for _ in range(n)]
    for user in people:
        world.answer(user, when, score)
    return people


# --- the figures ----------------------------------------------------------------------


def test_four_members_show_nothing_five_show_the_mean(world: World) -> None:
    four = answered(world, 4, score=60)
    agg = world.aggregates()
    figure = agg.figures[("this", "score")]
    assert (figure.value, figure.n, figure.suppressed, figure.display) == (
        None,
        None,
        "primary",
        "færre end 5",
    )
    fifth = world.person()
    world.answer(fifth, T0 + timedelta(days=20), 80)
    figure = world.aggregates().figures[("this", "score")]
    assert (figure.value, figure.n, figure.shown) == (64, 5, True)
    assert len(four) == 4


def test_each_member_counts_once_with_their_latest_check_in(world: World) -> None:
    people = answered(world, 5, score=40, when=T0 + timedelta(days=1))
    world.answer(people[0], T0 + timedelta(days=60), 100)  # 4 × 40 + 100 = 260 / 5
    figure = world.aggregates().figures[("this", "score")]
    assert (figure.value, figure.n) == (52, 5)


def test_change_since_the_baseline_and_the_shares(world: World) -> None:
    people = [world.person() for _ in range(6)]
    changes = [20, 12, 0, -8, -12, -40]  # two up by 10+, two down by 10+
    for user, change in zip(people, changes, strict=True):
        world.answer(user, BASE, 60)
        world.answer(user, T0 + timedelta(days=30), 60 + change)
    newcomer = world.person()
    world.answer(newcomer, T0 + timedelta(days=5), 100)  # a baseline only: not in the change
    agg = world.aggregates()
    assert agg.figures[("this", "change")].n == 6
    assert agg.figures[("this", "change")].value == round(sum(changes) / 6)
    assert agg.figures[("this", "improved")].value == 33
    assert agg.figures[("this", "declined")].value == 33
    assert agg.figures[("this", "change")].display == "−5"


def test_a_subgroup_counts_its_active_members_in_the_group_only(world: World) -> None:
    people = answered(world, 12, score=60)
    sub = world.sub("Strikkeklubben", people[:6])
    outside = people[6]
    from groups.models import SubGroupMembership

    SubGroupMembership.objects.create(
        subgroup=sub, user=outside, status=SubGroupMembershipStatus.PENDING
    )
    left = people[5]
    left_membership = world.group.memberships.get(user=left)
    left_membership.status = MembershipStatus.BANNED
    left_membership.save()
    agg = world.aggregates(sub)
    # Five active members remain (the pending one and the banned one do not count).
    assert agg.figures[("this", "score")].n == 5
    assert agg.place_name == "Strikkeklubben"


# --- secondary suppression: trying to single someone out ------------------------------


def test_group_minus_a_subgroup_of_all_but_one_is_refused(world: World) -> None:
    people = answered(world, 9, score=60)
    bodil = world.person("Bodil")
    world.answer(bodil, T0 + timedelta(days=3), 12)
    sub = world.sub("Gåturen", people)  # everyone but Bodil
    group_figure = world.aggregates().figures[("this", "score")]
    sub_figure = world.aggregates(sub).figures[("this", "score")]
    assert group_figure.shown and group_figure.n == 10
    assert sub_figure.suppressed == "secondary"
    assert sub_figure.display == "færre end 5"


def test_group_and_subgroup_five_apart_are_both_shown(world: World) -> None:
    people = answered(world, 10, score=60)
    sub = world.sub("Læseklubben", people[:5])
    assert world.aggregates().figures[("this", "score")].shown
    assert world.aggregates(sub).figures[("this", "score")].shown


def test_group_minus_two_subgroups_leaving_one_is_refused(world: World) -> None:
    people = answered(world, 11, score=60)
    a = world.sub("A", people[:5])
    b = world.sub("B", people[5:10])  # people[10] is in neither
    shown = [world.aggregates(s).figures[("this", "score")].shown for s in (None, a, b)]
    assert shown.count(True) <= 2


def test_nested_subgroups_one_apart_are_refused(world: World) -> None:
    people = answered(world, 20, score=60)
    big = world.sub("Stor", people[:7])
    small = world.sub("Lille", people[:6])
    assert world.aggregates(big).figures[("this", "score")].shown
    assert world.aggregates(small).figures[("this", "score")].suppressed == "secondary"


def test_this_period_minus_the_change_minus_the_period_before_is_refused(world: World) -> None:
    """Five answered last period (their baseline) and again now; one newcomer
    answered now only. Sum now − sum of changes − sum before = the newcomer."""
    cohort = [world.person() for _ in range(5)]
    for user in cohort:
        world.answer(user, P0 + timedelta(days=10), 60)
        world.answer(user, T0 + timedelta(days=10), 68)
    newcomer = world.person("Ny")
    world.answer(newcomer, T0 + timedelta(days=20), 8)
    agg = world.aggregates()
    figures = {k: f for k, f in agg.figures.items() if f.shown}
    assert leaks(world, [None]) == []
    # The headline stays; something else gave way.
    assert ("this", "score") in figures


def test_improved_shares_one_apart_are_refused(world: World) -> None:
    people = [world.person() for _ in range(10)]
    for user in people:
        world.answer(user, BASE, 40)
        world.answer(user, T0 + timedelta(days=10), 60)
    sub = world.sub("Kortklubben", people[:9])
    sub_figures = world.aggregates(sub).figures
    assert not sub_figures[("this", "improved")].shown
    assert not sub_figures[("this", "change")].shown
    assert leaks(world, [None, sub]) == []


def test_every_place_hides_the_same_figures_whichever_is_asked_first(world: World) -> None:
    people = answered(world, 9, score=60)
    world.answer(world.person(), T0 + timedelta(days=2), 20)
    sub = world.sub("Gåturen", people)
    first = world.aggregates(sub).figures
    from django.core.cache import cache

    cache.clear()
    world.aggregates()
    assert world.aggregates(sub).figures == first


# --- the attacker ----------------------------------------------------------------------


def _members(world: World, subgroup: SubGroup | None) -> set[int]:
    from groups.models import Membership, SubGroupMembership

    active = set(
        Membership.objects.filter(group=world.group, status=MembershipStatus.ACTIVE).values_list(
            "user_id", flat=True
        )
    )
    if subgroup is None:
        return active
    return active & set(
        SubGroupMembership.objects.filter(
            subgroup=subgroup, status=SubGroupMembershipStatus.ACTIVE
        ).values_list("user_id", flat=True)
    )


def _forms(world: World, subgroup: SubGroup | None, period: str, measure: str) -> dict[int, dict]:
    """Ground truth: each member's unknowns in this figure's total."""
    start, end = (T0, T1) if period == "this" else (P0, T0)
    return _forms_between(world, subgroup, start, end, measure)


def _forms_between(
    world: World, subgroup: SubGroup | None, start: datetime, end: datetime, measure: str
) -> dict[int, dict]:
    forms: dict[int, dict] = {}
    for user_id in _members(world, subgroup):
        rows = list(
            Who5Answer.objects.filter(user_id=user_id, group=world.group)
            .order_by("answered_at", "pk")
            .values_list("pk", "answered_at")
        )
        inside = [pk for pk, at in rows if start <= at < end]
        if not inside:
            continue
        latest, first = inside[-1], rows[0][0]
        if measure == "score":
            forms[user_id] = {("score", latest): 1}
        elif latest != first:
            forms[user_id] = {
                "change": {("score", latest): 1, ("score", first): -1},
                "improved": {("up", latest): 1},
                "declined": {("down", latest): 1},
            }[measure]
    return forms


def leaks(world: World, places: list[SubGroup | None], depth: int = 3) -> list[Any]:
    """Every sum or difference of up to `depth` shown figures' totals that
    leaves the unknowns of 1–4 members and no one else's."""
    shown = []
    for place in places:
        agg = world.aggregates(place)
        for (period, measure), figure in agg.figures.items():
            if figure.shown:
                forms = _forms(world, place, period, measure)
                assert len(forms) == figure.n, "the attacker's ground truth disagrees"
                shown.append(((place.name if place else "gruppen", period, measure), forms))
    return attack(shown, depth)


def attack(shown: list[tuple[Any, dict[int, dict]]], depth: int) -> list[Any]:
    """Every sum or difference of up to `depth` of the shown figures' totals
    (name, each member's unknowns) that leaves 1-4 members' unknowns."""
    found = []
    for size in range(1, depth + 1):
        for chosen in itertools.combinations(shown, size):
            for signs in itertools.product((1, -1), repeat=size - 1):
                total: dict[int, dict] = {}
                for sign, (_name, forms) in zip((1, *signs), chosen, strict=True):
                    for user_id, form in forms.items():
                        mine = total.setdefault(user_id, {})
                        for unknown, coef in form.items():
                            mine[unknown] = mine.get(unknown, 0) + sign * coef
                touched = [u for u, form in total.items() if any(form.values())]
                if 1 <= len(touched) < who5.K:
                    found.append(([name for name, _f in chosen], signs, len(touched)))
    return found


def _random_world(seed: int) -> World:
    """A small group where nearly everyone answers, with sub-groups that
    overlap and nearly coincide: the worst case for differencing."""
    rnd = random.Random(seed)
    world = World(make_group(f"Gruppe {seed}", admin=make_user()))
    people = [world.person() for _ in range(rnd.randint(8, 16))]
    for user in people:
        kind = rnd.choice(["veteran", "last", "now", "both", "none"])
        if kind == "veteran":
            world.answer(user, BASE, 4 * rnd.randint(0, 25))
        if kind in ("veteran", "last", "both"):
            world.answer(user, P0 + timedelta(days=rnd.randint(0, 80)), 4 * rnd.randint(0, 25))
        if kind in ("veteran", "now", "both"):
            world.answer(user, T0 + timedelta(days=rnd.randint(0, 80)), 4 * rnd.randint(0, 25))
    for name in ("A", "B", "C")[: rnd.randint(1, 3)]:
        size = rnd.choice([len(people) - 1, len(people) - 2, 6, 7, 5])
        world.sub(name, rnd.sample(people, size))
    return world


@pytest.mark.parametrize("seed", range(12))
def test_no_combination_of_shown_figures_singles_anyone_out(db: None, seed: int) -> None:
    world = _random_world(seed)
    places: list[SubGroup | None] = [None, *world.subgroups.values()]
    assert leaks(world, places) == []


def test_the_attacker_finds_the_leak_when_secondary_suppression_is_off(
    world: World, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    """The tests above would fail without the mechanism: with only primary
    suppression, the attacker recovers Bodil's score as group − sub-group."""
    people = answered(world, 9, score=60)
    world.answer(world.person("Bodil"), T0 + timedelta(days=3), 12)
    sub = world.sub("Gåturen", people)
    monkeypatch.setattr(who5, "disclosure", lambda *args, **kwargs: None)
    found = leaks(world, [None, sub], depth=2)
    assert (["gruppen", "Gåturen"], (-1,), 1) in [
        ([n[0] for n in names], signs, count) for names, signs, count in found
    ]


@pytest.mark.parametrize("seed", range(3))
def test_random_worlds_leak_without_secondary_suppression(
    db: None, seed: int, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    """The random worlds are hard enough: without the mechanism most of them
    would let the attacker through (so the test above proves something)."""
    monkeypatch.setattr(who5, "disclosure", lambda *args, **kwargs: None)
    leaky = 0
    for offset in range(4):
        world = _random_world(100 + 4 * seed + offset)
        leaky += bool(leaks(world, [None, *world.subgroups.values()], depth=2))
    assert leaky >= 1


# --- the CSV and the partial -----------------------------------------------------------


def test_csv_rows_leave_suppressed_figures_out(world: World) -> None:
    people = answered(world, 9, score=60)
    world.answer(world.person(), T0 + timedelta(days=3), 12)
    sub = world.sub("Gåturen", people)
    rows = who5.who5_csv_rows(world.aggregates())
    assert rows[0] == [
        "Sted",
        "Mål",
        "Periode",
        "Fra",
        "Til",
        "Værdi",
        "Enhed",
        "Antal medlemmer",
    ]
    assert rows[1] == [
        "Trivselsgruppen",
        "Gennemsnitlig trivselsscore (0–100)",
        "Denne periode",
        "2026-09-01",
        "2026-11-30",
        "55",
        "point",
        "10",
    ]
    assert len(rows) == 2  # nothing else has five members behind it
    sub_rows = who5.who5_csv_rows(world.aggregates(sub))
    assert sub_rows == [rows[0]]
    assert not any("færre" in cell for row in sub_rows for cell in row)


def test_the_partial_shows_a_table_with_a_caption_and_hides_small_cells(world: World) -> None:
    answered(world, 6, score=60)
    html = render_to_string(
        "insights/who5/partials/aggregates.html",
        {"who5": world.aggregates(), "group": world.group},
    )
    assert "<caption" in html and "Trivsel (WHO-5) i Trivselsgruppen" in html
    assert "Gennemsnitlig trivselsscore (0–100)" in html
    assert ">60<" in html and ">6<" in html
    assert "færre end 5" in html
    assert "Denne periode (1. sept 2026–30. nov 2026)" in html
    for person in world.people:
        assert person.display_name not in html


def test_reversed_periods_are_refused(world: World) -> None:
    with pytest.raises(ValueError):
        who5.who5_aggregates(
            group=world.group, start=T1, end=T0, previous_start=P0, previous_end=T0
        )
    other = make_group("Anden", admin=make_user())
    with pytest.raises(ValueError):
        who5.who5_aggregates(
            group=world.group,
            subgroup=make_subgroup(other),
            start=T0,
            end=T1,
            previous_start=P0,
            previous_end=T0,
        )


# --- whole months, as the dashboard shows them ---------------------------------------------

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=CPH)


def _monthly_world(seed: int) -> World:
    """Answers spread over the last months (an 8-week rhythm puts many people
    in two months out of three), with overlapping sub-groups."""
    rnd = random.Random(seed)
    world = World(make_group(f"Månedsgruppe {seed}", admin=make_user()))
    people = [world.person() for _ in range(rnd.randint(9, 14))]
    months = who5.complete_months(NOW)[:5]
    for user in people:
        for first in rnd.sample(months, rnd.randint(1, 3)):
            at = datetime(first.year, first.month, rnd.randint(1, 28), 12, tzinfo=CPH)
            world.answer(user, at, 4 * rnd.randint(0, 25))
    for name in ("A", "B")[: rnd.randint(1, 2)]:
        world.sub(name, rnd.sample(people, rnd.choice([len(people) - 1, 6, 5])))
    return world


def monthly_pages(world: World) -> list[tuple[Any, Any, who5.Who5Aggregates]]:
    """Every WHO-5 table the dashboard offers: each month staff can choose, each place."""
    places: list[SubGroup | None] = [None, *world.subgroups.values()]
    pages = []
    for month in who5.complete_months(NOW)[: who5.MONTHS_SHOWN]:
        for place in places:
            pages.append(
                (
                    month,
                    place,
                    who5.who5_monthly(group=world.group, subgroup=place, month=month, now=NOW),
                )
            )
    return pages


def monthly_leaks(world: World, depth: int = 3) -> list[Any]:
    """The attacker of leaks(), over every figure of every page the dashboard offers."""
    shown: dict[Any, dict] = {}
    for _month, place, agg in monthly_pages(world):
        for (period, measure), figure in agg.figures.items():
            if not figure.shown:
                continue
            start, end = (
                (agg.start, agg.end) if period == "this" else (agg.previous_start, agg.previous_end)
            )
            forms = _forms_between(world, place, start, end, measure)
            assert len(forms) == figure.n, "the attacker's ground truth disagrees"
            shown[(place.name if place else "gruppen", start.date(), measure)] = forms
    return attack(list(shown.items()), depth)


@pytest.mark.parametrize("seed", range(6))
def test_no_combination_of_figures_from_any_month_or_place_singles_anyone_out(
    db: None, seed: int
) -> None:
    world = _monthly_world(seed)
    assert any(f.shown for _m, _p, agg in monthly_pages(world) for f in agg.figures.values())
    assert monthly_leaks(world, depth=2) == []


@pytest.mark.parametrize("seed", range(6))
def test_a_month_shows_the_same_figures_as_this_month_and_as_the_month_before(
    db: None, seed: int
) -> None:
    """One family for every page: a month's figures do not depend on which
    page shows them, so no two pages can be played against each other."""
    world = _monthly_world(seed)
    seen: dict[Any, Any] = {}
    for _month, place, agg in monthly_pages(world):
        for (period, measure), figure in agg.figures.items():
            start = agg.start if period == "this" else agg.previous_start
            key = (place.pk if place else None, start, measure)
            value = (figure.value, figure.n, figure.shown)
            assert seen.setdefault(key, value) == value


def test_monthly_attacker_finds_leaks_when_secondary_suppression_is_off(
    db: None, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    """So the two tests above can fail."""
    monkeypatch.setattr(who5, "disclosure", lambda *args, **kwargs: None)
    assert any(monthly_leaks(_monthly_world(200 + seed), depth=2) for seed in range(4))


def test_the_dashboard_shows_the_last_whole_month_for_moving_periods() -> None:
    this_month = datetime(2026, 12, 1, tzinfo=CPH)
    for start in (NOW - timedelta(days=7), NOW - timedelta(days=30), this_month):
        month = who5.who5_month_to_show(start=start, end=NOW, now=NOW)
        assert month is not None and (month.year, month.month) == (2026, 11)
    october = who5.who5_month_to_show(
        start=datetime(2026, 10, 1, tzinfo=CPH), end=datetime(2026, 11, 1, tzinfo=CPH), now=NOW
    )
    assert october is not None and october.month == 10
    with pytest.raises(ValueError):
        who5.who5_monthly(
            group=make_group("X", admin=make_user()), month=this_month.date(), now=NOW
        )


def test_two_months_that_never_share_a_page_cannot_be_played_against_each_other(
    world: World,
) -> None:
    """September and November never stand in one table, but staff can read
    both: (mean − change) × n is the sum of the answerers' baselines in each,
    and one member answered in September and not in November. Deciding each
    table's pair of months alone would show all four figures; one family for
    every month does not."""
    people = [world.person() for _ in range(10)]
    for i, user in enumerate(people):
        world.answer(user, datetime(2026, 6, 10, 12, tzinfo=CPH), 4 * (5 + i))
        world.answer(user, datetime(2026, 9, 10, 12, tzinfo=CPH), 60)
        if i < 9:
            world.answer(user, datetime(2026, 11, 10, 12, tzinfo=CPH), 64)
    assert monthly_leaks(world, depth=4) == []
    # Something is still shown: the family hides the least it must.
    shown = [f for _m, _p, agg in monthly_pages(world) for f in agg.figures.values() if f.shown]
    assert shown
