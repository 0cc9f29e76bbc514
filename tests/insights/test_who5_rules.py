"""WHO-5's rules, through its services and selectors: consent first, withdrawal
deletes, never twice within 14 days, answers 0–5, the score, "Tal med nogen",
when a check-in is due, and WHO-5 off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import User
from groups import services as group_services
from groups.models import Group
from insights import who5
from insights.models import InsightSettings, Who5Answer, Who5Consent
from tests.conftest import make_membership, make_user

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOOD = [4, 4, 3, 4, 4]  # 19 × 4 = 76


@pytest.fixture
def who5_on(group: Group) -> InsightSettings:
    return InsightSettings.objects.create(group=group, who5_enabled=True, who5_every_weeks=8)


def consent_and_answer(user: User, group: Group, answers: list[int] = GOOD) -> Who5Answer:
    who5.who5_consent_give(actor=user, group=group)
    return who5.who5_answer_submit(actor=user, group=group, answers=answers)


# --- consent ------------------------------------------------------------------------


def test_answer_submit_fails_without_consent(who5_on: Any, group: Group, member: User) -> None:
    with pytest.raises(ValidationError, match="Sig først ja"):
        who5.who5_answer_submit(actor=member, group=group, answers=GOOD)
    assert not Who5Answer.objects.exists()


def test_consent_records_the_purpose_and_the_text_version(
    who5_on: Any, group: Group, member: User
) -> None:
    consent = who5.who5_consent_give(actor=member, group=group)
    assert consent.purpose == who5.CONSENT_PURPOSE
    assert consent.text_version == who5.CONSENT_VERSION
    assert consent.withdrawn_at is None
    # A second "Ja" (a double click) keeps the first.
    assert who5.who5_consent_give(actor=member, group=group).pk == consent.pk
    assert Who5Consent.objects.count() == 1


def test_withdrawal_deletes_the_answers_and_keeps_the_record(
    who5_on: Any, group: Group, member: User, sub_only: User
) -> None:
    consent_and_answer(member, group)
    consent_and_answer(sub_only, group)
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(days=60)):
        who5.who5_answer_submit(actor=member, group=group, answers=[1, 2, 3, 4, 5])
        deleted = who5.who5_consent_withdraw(actor=member, group=group)
    assert deleted == 2
    assert not Who5Answer.objects.filter(user=member).exists()
    assert Who5Answer.objects.filter(user=sub_only).count() == 1  # someone else's stay
    record = Who5Consent.objects.get(user=member)
    assert record.withdrawn_at is not None and record.purpose == who5.CONSENT_PURPOSE
    # Consenting again starts afresh: a new row beside the withdrawn one.
    who5.who5_consent_give(actor=member, group=group)
    assert Who5Consent.objects.filter(user=member).count() == 2


def test_withdrawal_without_consent_says_so_and_changes_nothing(
    who5_on: Any, group: Group, member: User, sub_only: User
) -> None:
    consent_and_answer(sub_only, group)
    with pytest.raises(ValidationError, match="intet at slette"):
        who5.who5_consent_withdraw(actor=member, group=group)
    assert Who5Consent.objects.get(user=sub_only).withdrawn_at is None
    assert Who5Answer.objects.filter(user=sub_only).exists()


def test_withdrawal_is_only_ever_ones_own(
    who5_on: Any, group: Group, member: User, staff: User, outsider: User
) -> None:
    """There is no consent id to forge: a withdrawal acts on the actor's own
    consent, and the team and outsiders are refused before anything changes."""
    consent_and_answer(member, group)
    with pytest.raises(PermissionDenied):
        who5.who5_consent_withdraw(actor=staff, group=group)
    with pytest.raises(Http404):
        who5.who5_consent_withdraw(actor=outsider, group=group)
    assert Who5Consent.objects.get(user=member).withdrawn_at is None
    assert Who5Answer.objects.filter(user=member).count() == 1


@pytest.mark.parametrize("how", ["left", "removed", "banned"])
def test_a_membership_ending_ends_consent_and_deletes_the_answers(
    who5_on: Any, group: Group, member: User, admin: User, how: str
) -> None:
    """Through the groups app's own services: the signal carries whose
    membership ended, and the answers go in the same transaction."""
    other = make_user("stays@example.org", "Bliver")
    make_membership(other, group)
    consent_and_answer(member, group)
    consent_and_answer(other, group)
    if how == "left":
        group_services.membership_leave(actor=member, group=group)
    elif how == "removed":
        group_services.membership_remove(actor=admin, group=group, user_id=member.pk)
    else:
        group_services.membership_ban(actor=admin, group=group, user_id=member.pk)
    assert not Who5Answer.objects.filter(user=member).exists()
    assert Who5Consent.objects.get(user=member).withdrawn_at is not None
    # Only theirs.
    assert Who5Answer.objects.filter(user=other).count() == 1
    assert Who5Consent.objects.get(user=other).withdrawn_at is None


# --- the 14-day rule, answers -------------------------------------------------------


def test_never_twice_within_14_days(who5_on: Any, group: Group, member: User) -> None:
    with time_machine.travel(START, tick=False):
        consent_and_answer(member, group)
    with time_machine.travel(START + timedelta(days=13, hours=23), tick=False):
        with pytest.raises(ValidationError, match="Du har svaret for nylig") as caught:
            who5.who5_answer_submit(actor=member, group=group, answers=GOOD)
        assert "16. marts 2026" in caught.value.messages[0]
    with time_machine.travel(START + timedelta(days=14), tick=False):
        who5.who5_answer_submit(actor=member, group=group, answers=GOOD)
    assert Who5Answer.objects.filter(user=member).count() == 2


@pytest.mark.parametrize(
    "answers",
    [
        [4, 4, 4, 4, 6],
        [4, 4, 4, 4, -1],
        [4, 4, 4, 4],
        [4, 4, 4, 4, 4, 4],
        [4, 4, 4, 4, "4"],
        [4, 4, 4, 4, 4.0],
        [4, 4, 4, 4, True],
        "44444",
        None,
    ],
)
def test_answers_must_be_five_whole_numbers_0_to_5(
    who5_on: Any, group: Group, member: User, answers: Any
) -> None:
    who5.who5_consent_give(actor=member, group=group)
    with pytest.raises(ValidationError):
        who5.who5_answer_submit(actor=member, group=group, answers=answers)
    assert not Who5Answer.objects.exists()


def test_the_database_refuses_an_answer_out_of_range_too(group: Group, member: User) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Who5Answer.objects.create(user=member, group=group, a1=6, a2=0, a3=0, a4=0, a5=0)


# --- who may ------------------------------------------------------------------------


def test_who5_off_refuses_everything(group: Group, member: User, outsider: User) -> None:
    with pytest.raises(Http404):
        who5.who5_consent_give(actor=member, group=group)
    InsightSettings.objects.create(group=group, who5_enabled=True)
    group = Group.objects.get(pk=group.pk)  # a fresh object: the setting is read again
    consent_and_answer(member, group)
    InsightSettings.objects.filter(group=group).update(who5_enabled=False)
    group = Group.objects.get(pk=group.pk)
    with pytest.raises(Http404):
        who5.who5_answer_submit(actor=member, group=group, answers=GOOD)
    # Withdrawing stays possible for someone with answers there (GDPR art. 7(3)).
    assert who5.who5_consent_withdraw(actor=member, group=group) == 1


def test_the_team_and_outsiders_cannot_take_part(
    who5_on: Any, group: Group, staff: User, moderator: User, admin: User, outsider: User
) -> None:
    for person in (staff, moderator, admin):
        with pytest.raises(PermissionDenied):
            who5.who5_consent_give(actor=person, group=group)
    with pytest.raises(Http404):
        who5.who5_consent_give(actor=outsider, group=group)
    assert not Who5Consent.objects.exists()


def test_a_removed_member_cannot_answer(
    who5_on: Any, group: Group, member: User, admin: User
) -> None:
    who5.who5_consent_give(actor=member, group=group)
    group_services.membership_remove(actor=admin, group=group, user_id=member.pk)
    member = User.objects.get(pk=member.pk)
    with pytest.raises(Http404):
        who5.who5_answer_submit(actor=member, group=group, answers=GOOD)


# --- the score, "Tal med nogen", the kind sentence -----------------------------------


@pytest.mark.parametrize(
    ("answers", "score"),
    [([0, 0, 0, 0, 0], 0), ([5, 5, 5, 5, 5], 100), ([3, 3, 3, 3, 1], 52), ([4, 4, 3, 4, 4], 76)],
)
def test_the_score_is_the_raw_sum_times_four(
    who5_on: Any, group: Group, member: User, answers: list[int], score: int
) -> None:
    assert who5.score_of(answers) == score
    assert consent_and_answer(member, group, answers).score == score


@pytest.mark.parametrize(
    ("answers", "support"),
    [
        ([3, 3, 3, 3, 2], False),  # 56, every item 2 or more
        ([3, 3, 3, 2, 2], False),  # 52
        ([3, 3, 2, 2, 2], True),  # 48: 50 or less
        ([3, 3, 3, 3, 3], False),  # 60
        ([3, 3, 3, 2, 2][:4] + [3], False),  # 56
        ([2, 2, 2, 2, 2], True),  # 40
        ([5, 5, 5, 5, 1], True),  # 84, but one item "Lidt af tiden"
        ([5, 5, 5, 5, 0], True),  # "På intet tidspunkt"
        ([3, 3, 3, 2, 2][:4] + [4], False),
    ],
)
def test_talk_to_someone_at_50_or_less_or_any_item_0_or_1(
    answers: list[int], support: bool
) -> None:
    assert who5.needs_support(answers) is support


def test_the_threshold_is_inclusive_at_50() -> None:
    assert who5.score_of([3, 3, 3, 2, 1]) == 48
    assert who5.needs_support([3, 3, 2, 2, 2]) is True  # 48
    assert who5.score_of([3, 3, 3, 2, 2]) == 52 and not who5.needs_support([3, 3, 3, 2, 2])
    # Exactly 50 cannot happen (scores are multiples of 4); the rule is "≤ 50".
    assert who5.LOW_SCORE == 50


def test_the_kind_sentence_is_never_a_diagnosis() -> None:
    sentences = {who5.kind_sentence(score) for score in range(0, 101, 4)}
    assert len(sentences) == 3
    assert who5.kind_sentence(76) == "Godt at høre, at du har det godt."
    for sentence in sentences:
        for word in ("depression", "diagnose", "syg", "stress"):
            assert word not in sentence.lower()


# --- due, history -------------------------------------------------------------------


def test_a_baseline_is_offered_then_every_n_weeks(
    who5_on: InsightSettings, group: Group, member: User
) -> None:
    assert who5.who5_due(member, group).state == "baseline"
    with time_machine.travel(START, tick=False):
        consent_and_answer(member, group)
    due = who5.who5_due(member, group, now=START + timedelta(weeks=8) - timedelta(minutes=1))
    assert due.state == "later" and due.next_at == START + timedelta(weeks=8)
    assert who5.who5_due(member, group, now=START + timedelta(weeks=8)).state == "due"


def test_the_shortest_cadence_still_waits_14_days(
    who5_on: InsightSettings, group: Group, member: User
) -> None:
    with time_machine.travel(START, tick=False):
        consent_and_answer(member, group)
    InsightSettings.objects.filter(pk=who5_on.pk).update(who5_every_weeks=2)
    group = Group.objects.get(pk=group.pk)
    assert who5.who5_due(member, group, now=START + timedelta(days=13)).state == "later"
    assert who5.who5_due(member, group, now=START + timedelta(days=14)).state == "due"


def test_the_history_says_each_change_in_words(who5_on: Any, group: Group, member: User) -> None:
    for weeks, answers in ((0, [2, 2, 2, 2, 2]), (8, [3, 3, 3, 3, 3]), (16, [3, 3, 3, 3, 2])):
        with time_machine.travel(START + timedelta(weeks=weeks), tick=False):
            if weeks == 0:
                consent_and_answer(member, group, answers)
            else:
                who5.who5_answer_submit(actor=member, group=group, answers=answers)
    rows = who5.who5_history(member, group)
    assert [r.score for r in rows] == [40, 60, 56]
    assert [r.change_text for r in rows] == [
        "første måling",
        "20 point højere end sidst",
        "4 point lavere end sidst",
    ]


def test_someone_elses_answers_are_never_in_ones_history(
    who5_on: Any, group: Group, member: User, sub_only: User
) -> None:
    consent_and_answer(sub_only, group, [0, 0, 0, 0, 1])
    assert who5.who5_history(member, group) == []
    other = make_user()
    make_membership(other, group)
    assert who5.who5_history(other, group) == []


# --- two submits at once (a double click, two tabs) ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_store_one_check_in(
    who5_on: Any, group: Group, member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The consent row is locked before the 14-day check: the second request
    waits for the first to commit, then sees its answer and is refused. The
    insert is slowed down so that, without the lock, both would pass the check."""
    import threading
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (SELECT … FOR UPDATE is a no-op there)")
    who5.who5_consent_give(actor=member, group=group)
    create = Who5Answer.objects.create

    def slow_create(**fields: Any) -> Who5Answer:
        time.sleep(0.5)
        return create(**fields)

    monkeypatch.setattr(Who5Answer.objects, "create", slow_create)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def submit() -> None:
        try:
            start.wait()
            who5.who5_answer_submit(actor=member, group=group, answers=GOOD)
            outcomes.append("stored")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "stored"]
    assert Who5Answer.objects.filter(user=member).count() == 1


# --- the questionnaire ------------------------------------------------------------------


def test_the_items_and_answers_are_the_danish_wording_verbatim() -> None:
    """Translatable, but in Danish exactly the words KL publishes."""
    from django.utils import translation

    with translation.override("da"):
        assert [str(item) for item in who5.ITEMS] == [
            "I de sidste 2 uger har jeg været glad og i godt humør",
            "I de sidste 2 uger har jeg følt mig rolig og afslappet",
            "I de sidste 2 uger har jeg følt mig aktiv og energisk",
            "I de sidste 2 uger er jeg vågnet frisk og udhvilet",
            "I de sidste 2 uger har min dagligdag været fyldt med ting der interesserer mig",
        ]
        assert [(value, str(label)) for value, label in who5.ANSWERS] == [
            (5, "Hele tiden"),
            (4, "Det meste af tiden"),
            (3, "Lidt mere end halvdelen af tiden"),
            (2, "Lidt mindre end halvdelen af tiden"),
            (1, "Lidt af tiden"),
            (0, "På intet tidspunkt"),
        ]
        assert str(who5.ATTRIBUTION) == "WHO-5 Trivselsindeks. © Psykiatrisk Center Nordsjælland"
