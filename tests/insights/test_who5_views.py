"""The member's WHO-5 pages as people use them, without JavaScript: consent,
one question per screen, the result and trend, "Mine svar", withdrawing; who
may open which page; the offer on the group's page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from groups.models import Group
from insights import who5
from insights.models import InsightSettings, Who5Answer, Who5Consent
from moderation.models import ModerationSettings
from tests.conftest import LOGIN, MatrixRow, assert_answer
from tests.conftest import matrix_params as _matrix_params

pytestmark = pytest.mark.django_db

L = LOGIN
# fmt: off
MATRIX: list[MatrixRow] = [
    # url name          method   anon outs pend bann memb mod  staff admin
    # What it is: the team may read it too (to tell members about it).
    ("who5-start",      "get",  (L,  404, 404, 404, 200, 200, 200, 200)),
    # Taking part: the group's ordinary members; the team may know of it, not join.
    ("who5-consent",    "post", (L,  404, 404, 404, 302, 403, 403, 403)),
    ("who5-question",   "get",  (L,  404, 404, 404, 200, 403, 403, 403)),
    ("who5-question",   "post", (L,  404, 404, 404, 200, 403, 403, 403)),
    ("who5-result",     "get",  (L,  404, 404, 404, 200, 403, 403, 403)),
    # One's own answers: only ever one's own; staff have no page of anyone's.
    ("who5-mine",       "get",  (L,  404, 404, 404, 200, 403, 403, 403)),
    ("who5-withdraw",   "get",  (L,  404, 404, 404, 200, 403, 403, 403)),
    ("who5-withdraw",   "post", (L,  404, 404, 404, 302, 403, 403, 403)),
]
# fmt: on
URLS = sorted({(name, method) for name, method, _answers in MATRIX})

# The member's earlier check-in: a score no other page may show (4 × 17 = 68).
EARLIER = [4, 4, 3, 3, 3]


@pytest.fixture
def who5_on(group: Group) -> InsightSettings:
    return InsightSettings.objects.create(group=group, who5_enabled=True, who5_every_weeks=8)


def give_earlier_answer(member: User, group: Group, weeks_ago: int = 9) -> Who5Answer:
    who5.who5_consent_give(actor=member, group=group)
    with time_machine.travel(timezone.now() - timedelta(weeks=weeks_ago)):
        return who5.who5_answer_submit(actor=member, group=group, answers=EARLIER)


def snapshot() -> Any:
    return (
        sorted(Who5Consent.objects.values_list("id", "user_id", "withdrawn_at")),
        sorted(Who5Answer.objects.values_list("id", "user_id")),
    )


@pytest.mark.parametrize(("name", "method", "role", "expected"), _matrix_params(MATRIX))
def test_who5_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    who5_on: Any,
    group: Group,
    member: User,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    give_earlier_answer(member, group)
    before = snapshot()
    client = client_for(everyone[role])
    path = reverse(name, kwargs={"group_slug": group.slug})
    data = {"choice": "no", "answer": "3"}
    response = client.post(path, data) if method == "post" else client.get(path)
    assert_answer(response, expected, f"{role} {method} {name}")
    if response.status_code in (403, 404) or expected == L:
        assert snapshot() == before, "a refused request changed something"
    if role != "member":
        # Nobody else ever sees the member's score.
        body = response.content.decode()
        assert "<strong>68</strong>" not in body and "<td>68</td>" not in body


@pytest.mark.parametrize(("name", "method"), URLS)
@pytest.mark.parametrize("role", ["member", "moderator", "staff", "admin", "outsider"])
def test_with_who5_off_every_page_is_404(
    name: str,
    method: str,
    role: str,
    group: Group,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    client = client_for(everyone[role])
    path = reverse(name, kwargs={"group_slug": group.slug})
    response = client.post(path, {"choice": "yes"}) if method == "post" else client.get(path)
    assert response.status_code == 404
    assert not Who5Consent.objects.exists()


def test_switched_off_a_member_with_answers_can_still_see_and_withdraw_them(
    who5_on: InsightSettings, group: Group, member: User, client_for: Any
) -> None:
    give_earlier_answer(member, group)
    InsightSettings.objects.filter(pk=who5_on.pk).update(who5_enabled=False)
    client = client_for(member)
    assert client.get(reverse("who5-start", args=[group.slug])).status_code == 404
    assert client.get(reverse("who5-question", args=[group.slug])).status_code == 404
    assert client.get(reverse("who5-mine", args=[group.slug])).status_code == 200
    response = client.post(reverse("who5-withdraw", args=[group.slug]))
    assert response.status_code == 302
    assert not Who5Answer.objects.exists()


# --- the flow, without JavaScript ----------------------------------------------------


def token_of(html: str) -> str:
    match = re.search(r'name="earlier" value="([^"]*)"', html)
    assert match, "no carried answers in the form"
    return match.group(1)


def test_a_member_consents_answers_five_screens_and_sees_score_and_trend(
    who5_on: Any, group: Group, member: User, client_for: Any
) -> None:
    client: Client = client_for(member)
    start = client.get(reverse("who5-start", args=[group.slug])).content.decode()
    assert "Kun du ser dine svar. Personalet ser kun gennemsnit for mindst 5 medlemmer." in start
    assert "WHO-5 Trivselsindeks. © Psykiatrisk Center Nordsjælland" in start
    assert "Ja, jeg vil gerne være med" in start and "Nej tak" in start

    response = client.post(reverse("who5-consent", args=[group.slug]), {"choice": "yes"})
    assert response["Location"] == reverse("who5-question", args=[group.slug])
    consent = Who5Consent.objects.get(user=member)
    assert consent.text_version == who5.CONSENT_VERSION

    url = reverse("who5-question", args=[group.slug])
    page = client.get(url).content.decode()
    token = ""
    for step, (item, answer) in enumerate(zip(who5.ITEMS, [5, 4, 3, 2, 4], strict=True), 1):
        assert f"Spørgsmål {step} af 5" in page
        assert str(item) in page
        for _value, label in who5.ANSWERS:
            assert str(label) in page
        assert not Who5Answer.objects.exists(), "something was stored before the fifth answer"
        token = token_of(page)
        response = client.post(url, {"earlier": token, "answer": str(answer)})
        if step < 5:
            assert response.status_code == 200
            page = response.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("who5-result", args=[group.slug])
    stored = Who5Answer.objects.get(user=member)
    assert stored.answers == [5, 4, 3, 2, 4] and stored.score == 72

    result = client.get(response["Location"]).content.decode()
    assert "Din trivselsscore er <strong>72</strong> ud af 100." in result
    assert "Godt at høre, at du har det godt." in result
    assert "Tal med nogen" not in result

    # The same five-screen walk, nine weeks on, gives a trend in words.
    with time_machine.travel(timezone.now() + timedelta(weeks=9)):
        client = client_for(member)  # logged in again: a session lasts 30 days
        page = client.get(url).content.decode()
        for answer in [2, 2, 2, 2, 2]:
            response = client.post(url, {"earlier": token_of(page), "answer": str(answer)})
            page = response.content.decode()
        result = client.get(reverse("who5-result", args=[group.slug])).content.decode()
    assert "Din trivselsscore er <strong>40</strong> ud af 100." in result
    assert "32 point lavere end sidst" in result
    assert ">Dine målinger</caption>" in result
    assert "Tal med nogen" in result


def test_back_keeps_the_earlier_answers_and_preselects_the_last(
    who5_on: Any, group: Group, member: User, client_for: Any
) -> None:
    who5.who5_consent_give(actor=member, group=group)
    client = client_for(member)
    url = reverse("who5-question", args=[group.slug])
    page = client.get(url).content.decode()
    page = client.post(url, {"earlier": token_of(page), "answer": "4"}).content.decode()
    page = client.post(url, {"earlier": token_of(page), "answer": "1"}).content.decode()
    assert "Spørgsmål 3 af 5" in page
    page = client.post(url, {"earlier": token_of(page), "back": "1"}).content.decode()
    assert "Spørgsmål 2 af 5" in page
    assert 'value="1" checked' in page


def test_no_answer_chosen_asks_again_in_danish(
    who5_on: Any, group: Group, member: User, client_for: Any
) -> None:
    who5.who5_consent_give(actor=member, group=group)
    client = client_for(member)
    url = reverse("who5-question", args=[group.slug])
    page = client.get(url).content.decode()
    response = client.post(url, {"earlier": token_of(page)})
    assert response.status_code == 400
    assert "Vælg det svar, der passer bedst." in response.content.decode()
    response = client.post(url, {"earlier": token_of(page), "answer": "7"})
    assert response.status_code == 400
    assert not Who5Answer.objects.exists()


def test_a_forged_or_foreign_token_starts_over_and_stores_nothing(
    who5_on: Any, group: Group, member: User, sub_only: User, client_for: Any
) -> None:
    who5.who5_consent_give(actor=member, group=group)
    who5.who5_consent_give(actor=sub_only, group=group)
    url = reverse("who5-question", args=[group.slug])
    theirs = client_for(sub_only)
    page = theirs.get(url).content.decode()
    for answer in "5555":
        page = theirs.post(url, {"earlier": token_of(page), "answer": answer}).content.decode()
    stolen = token_of(page)  # four answers, signed for sub_only
    mine = client_for(member)
    for token in (stolen, stolen[:-2] + "xx", "[5,5,5,5]"):
        response = mine.post(url, {"earlier": token, "answer": "5"})
        assert response.status_code == 200
        assert "Spørgsmål 1 af 5" in response.content.decode()
        assert "vi starter forfra" in response.content.decode()
    assert not Who5Answer.objects.exists()


def test_a_token_expires_after_an_hour(
    who5_on: Any, group: Group, member: User, client_for: Any
) -> None:
    who5.who5_consent_give(actor=member, group=group)
    client = client_for(member)
    url = reverse("who5-question", args=[group.slug])
    page = client.post(url, {"answer": "3"}).content.decode()  # the first answer
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        response = client.post(url, {"earlier": token_of(page), "answer": "3"})
    assert "Spørgsmål 1 af 5" in response.content.decode()


def test_a_second_check_in_within_14_days_is_refused(
    who5_on: Any, group: Group, member: User, client_for: Any
) -> None:
    give_earlier_answer(member, group, weeks_ago=1)
    client = client_for(member)
    response = client.get(reverse("who5-question", args=[group.slug]), follow=True)
    assert "Din næste trivselsmåling er den" in response.content.decode()
    assert Who5Answer.objects.count() == 1


def test_without_consent_the_questions_lead_to_the_explanation(
    who5_on: Any, group: Group, member: User, client_for: Any
) -> None:
    response = client_for(member).get(reverse("who5-question", args=[group.slug]))
    assert response["Location"] == reverse("who5-start", args=[group.slug])


def test_talk_to_someone_shows_the_groups_help_text_doctor_and_livslinien(
    who5_on: Any, group: Group, member: User, staff: User, client_for: Any
) -> None:
    ModerationSettings.objects.create(
        group=group, concern_help_text="Ring til Sundhedshuset på 76 29 00 00."
    )
    who5.who5_consent_give(actor=member, group=group)
    client = client_for(member)
    url = reverse("who5-question", args=[group.slug])
    page = client.get(url).content.decode()
    for answer in [3, 3, 3, 3, 1]:  # 52, but one item "Lidt af tiden"
        page = client.post(url, {"earlier": token_of(page), "answer": str(answer)}).content.decode()
    result = client.get(reverse("who5-result", args=[group.slug])).content.decode()
    assert "Tal med nogen" in result
    assert "Ring til Sundhedshuset på 76 29 00 00." in result
    assert "Tal med din egen læge." in result
    assert 'href="tel:+4570201201"' in result and "livslinien.dk" in result
    assert staff.display_name in result
    # Moderation's default text says the staff were told: not true here.
    assert "har fået besked" not in result


def test_mine_lists_only_ones_own_and_withdrawal_asks_first_then_deletes(
    who5_on: Any, group: Group, member: User, sub_only: User, client_for: Any
) -> None:
    give_earlier_answer(member, group)
    who5.who5_consent_give(actor=sub_only, group=group)
    with time_machine.travel(timezone.now() - timedelta(weeks=3)):
        who5.who5_answer_submit(actor=sub_only, group=group, answers=[0, 0, 0, 0, 1])
    client = client_for(member)
    mine = client.get(reverse("who5-mine", args=[group.slug])).content.decode()
    assert "<strong>68</strong>" in mine and ">4<" not in mine
    confirm = client.get(reverse("who5-withdraw", args=[group.slug])).content.decode()
    assert "Så sletter vi dit ene svar i gruppen." in confirm
    assert Who5Answer.objects.filter(user=member).exists()
    response = client.post(
        reverse("who5-withdraw", args=[group.slug]),
        {"consent": Who5Consent.objects.get(user=sub_only).pk, "user": sub_only.pk},
        follow=True,
    )
    assert "Dine svar er slettet (1)." in response.content.decode()
    assert not Who5Answer.objects.filter(user=member).exists()
    # The forged fields named someone else: ignored, theirs stay.
    assert Who5Answer.objects.filter(user=sub_only).count() == 1
    assert Who5Consent.objects.get(user=sub_only).withdrawn_at is None


# --- the offer on the group's page -----------------------------------------------------

OFFER = Template("{% load who5 %}{% who5_offer group %}")


def offer_html(user: User, group: Group, client: Client | None = None) -> str:
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session if client is not None else {}  # type: ignore[assignment]
    return OFFER.render(Context({"request": request, "group": Group.objects.get(pk=group.pk)}))


def test_the_offer_invites_then_reminds_when_due(
    who5_on: Any, group: Group, member: User, staff: User, client_for: Any
) -> None:
    invite = offer_html(member, group)
    assert (
        "Vil du være med i gruppens trivselsmåling? Det er frivilligt og tager under et minut."
        in invite
    )
    assert offer_html(staff, group).strip() == ""
    give_earlier_answer(member, group, weeks_ago=2)
    member = User.objects.get(pk=member.pk)
    later = offer_html(member, group)
    assert "næste gang den" in later and "Mine svar" in later
    with time_machine.travel(timezone.now() + timedelta(weeks=6, days=1)):
        member = User.objects.get(pk=member.pk)
        assert "Det er tid til din trivselsmåling" in offer_html(member, group)


def test_no_thanks_is_remembered_for_the_session_and_stores_nothing(
    who5_on: Any, group: Group, member: User, client_for: Any
) -> None:
    client = client_for(member)
    response = client.post(reverse("who5-consent", args=[group.slug]), {"choice": "no"})
    assert response["Location"] == group.get_absolute_url()
    assert not Who5Consent.objects.exists()
    quiet = offer_html(User.objects.get(pk=member.pk), group, client)
    assert "Vil du være med" not in quiet and "du kan altid være med senere" in quiet
    # Another session (another device, after logging in again) is asked again.
    assert "Vil du være med" in offer_html(
        User.objects.get(pk=member.pk), group, client_for(member)
    )


def test_the_cached_group_page_key_follows_the_offer(
    who5_on: Any, group: Group, member: User, client_for: Any
) -> None:
    """The group page is cached whole: its key must change when the box does."""
    from pages.views import _place_page_key

    client = client_for(member)
    client.get(group.get_absolute_url())  # a CSRF cookie, as a real reader has

    def key() -> str | None:
        request = RequestFactory().get(group.get_absolute_url())
        request.user = User.objects.get(pk=member.pk)
        request.session = client.session
        request.META["CSRF_COOKIE"] = client.cookies["csrftoken"].value
        request._messages = []  # type: ignore[attr-defined]
        return _place_page_key(request, Group.objects.get(pk=group.pk), None)

    invited = key()
    assert invited is not None
    who5.who5_consent_give(actor=member, group=group)
    consented = key()
    who5.who5_answer_submit(actor=member, group=group, answers=EARLIER)
    answered = key()
    assert len({invited, consented, answered}) == 3


def test_the_group_page_shows_the_offer_and_forgets_it_after_no_thanks(
    who5_on: Any, group: Group, member: User, client_for: Any
) -> None:
    """On the real (cached) group page, above the posts: invited, then after
    "Nej tak" the quiet line; a member of a group without WHO-5 sees nothing."""
    client = client_for(member)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Vil du være med i gruppens trivselsmåling?" in page
    assert page.index("who5-offer-title") < page.index('class="two-col"')
    client.post(reverse("who5-consent", args=[group.slug]), {"choice": "no"})
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Vil du være med" not in page and "du kan altid være med senere" in page
    who5_on.who5_enabled = False
    who5_on.save()
    page = client_for(member).get(group.get_absolute_url()).content.decode()
    assert "trivselsmåling" not in page.lower()


def test_check_ins_over_the_rate_limit_are_refused_in_danish_and_store_nothing(
    who5_on: Any, group: Group, member: User, client_for: Any, settings: Any
) -> None:
    settings.SAMMEN_RATE_LIMITS = {**settings.SAMMEN_RATE_LIMITS, "who5": {"user": "0/h"}}
    client: Client = client_for(member)
    client.post(reverse("who5-consent", args=[group.slug]), {"choice": "yes"})
    url = reverse("who5-question", args=[group.slug])
    page = client.get(url).content.decode()
    for answer in [3, 3, 3, 3, 3]:
        response = client.post(url, {"earlier": token_of(page), "answer": str(answer)})
        page = response.content.decode()
    page = client.get(response["Location"]).content.decode()
    assert "Du har sendt mange trivselsmålinger på kort tid." in page
    assert not Who5Answer.objects.exists()
