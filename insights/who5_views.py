"""The member's WHO-5 check-in: what it is and consent, one question per
screen, the result with the trend, "Mine svar" and withdrawing. Plain forms,
no JavaScript needed.

The answers given so far travel with the form, signed (django.core.signing),
not in the session: nothing of them is stored anywhere before the fifth
answer (an abandoned check-in leaves no health data behind in the session
table for its 30 days), the back button and two tabs cannot mix one
check-in's answers into another's, and a hand-edited page cannot smuggle in
an answer no screen asked for. The token binds the person, the group and
their consent, and lasts an hour.

Staff have no URL here that shows anyone's answers: there is none.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from groups import selectors as group_selectors
from groups.models import Group
from insights import permissions as perms
from insights import who5
from insights.models import Who5Consent
from sammen.http import messages_from_error
from sammen.ratelimit import rate_limit

FLOW_SALT = "insights.who5.flow"
FLOW_MAX_AGE = 60 * 60  # an hour for five questions, pauses included


def _actor(request: HttpRequest) -> User:
    """The logged-in person (every view here is login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _group(request: HttpRequest, group_slug: str) -> Group:
    """The group, if the viewer may read it (404 otherwise)."""
    return group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)


def _common(group: Group) -> dict[str, Any]:
    return {"group": group, "attribution": who5.ATTRIBUTION}


# --- What it is, and consent --------------------------------------------------------


@login_required
@require_safe
def who5_start(request: HttpRequest, group_slug: str) -> HttpResponse:
    """What the check-ins are, who sees what, how to stop; "Ja" / "Nej tak"
    for a member without consent. The group's team see the same text (so
    they can tell members about it), without the buttons."""
    group = _group(request, group_slug)
    perms.require_who5_page(request.user, group)
    can_check_in = perms.can_check_in(request.user, group)
    consent = who5.active_consent(request.user, group) if can_check_in else None
    return render(
        request,
        "insights/who5/start.html",
        {
            **_common(group),
            "can_check_in": can_check_in,
            "consent": consent,
            "due": who5.who5_due(request.user, group) if consent else None,
            "every_weeks": who5.who5_settings(group).who5_every_weeks,
        },
    )


@login_required
@require_POST
def who5_consent(request: HttpRequest, group_slug: str) -> HttpResponse:
    """ "Ja, jeg vil gerne være med" records the consent and goes to the first
    question; "Nej tak" is remembered for the session only (who5.decline_remember)."""
    group = _group(request, group_slug)
    actor = _actor(request)
    perms.require_check_in(actor, group)
    choice = request.POST.get("choice", "")
    if choice == "yes":
        who5.who5_consent_give(actor=actor, group=group)
        who5.decline_forget(request.session, group)
        return redirect("who5-question", group_slug=group.slug)
    if choice == "no":
        who5.decline_remember(request.session, group)
        messages.info(
            request,
            _(
                "Det er helt i orden. Du kan altid være med senere: "
                "find »Trivselsmåling« på gruppens side."
            ),
        )
        return redirect(group)
    messages.error(request, _("Vælg »Ja, jeg vil gerne være med« eller »Nej tak«."))
    return redirect("who5-start", group_slug=group.slug)


# --- One question per screen ----------------------------------------------------------


def _token(actor: User, group: Group, consent: Who5Consent, answers: list[int]) -> str:
    return signing.dumps(
        {"u": actor.pk, "g": group.pk, "c": consent.pk, "a": answers}, salt=FLOW_SALT
    )


def _earlier(request: HttpRequest, group: Group, consent: Who5Consent) -> list[int] | None:
    """The answers carried by the form; [] for none, None for a token that is
    forged, expired, someone else's or from another check-in."""
    raw = request.POST.get("earlier", "")
    if not raw:
        return []
    try:
        data = signing.loads(raw, salt=FLOW_SALT, max_age=FLOW_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    if (data.get("u"), data.get("g"), data.get("c")) != (request.user.pk, group.pk, consent.pk):
        return None
    answers = data.get("a")
    if (
        not isinstance(answers, list)
        or len(answers) >= len(who5.ITEMS)
        or any(isinstance(a, bool) or not isinstance(a, int) or not 0 <= a <= 5 for a in answers)
    ):
        return None
    return answers


def _question(
    request: HttpRequest,
    group: Group,
    consent: Who5Consent,
    answers: list[int],
    *,
    chosen: int | None = None,
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """The screen for question len(answers) + 1, carrying `answers`."""
    step = len(answers) + 1
    return render(
        request,
        "insights/who5/question.html",
        {
            **_common(group),
            "step": step,
            "total": len(who5.ITEMS),
            "item": who5.ITEMS[step - 1],
            "answers": who5.ANSWERS,
            "chosen": chosen,
            "token": _token(_actor(request), group, consent, answers),
            "error": error,
            "notice": notice,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def who5_question(request: HttpRequest, group_slug: str) -> HttpResponse:
    """GET: the first question. POST: the answer to the current one (or
    "Tilbage"); the fifth answer stores the check-in and leads to the result.
    Nothing is stored before the fifth."""
    group = _group(request, group_slug)
    actor = _actor(request)
    perms.require_check_in(actor, group)
    consent = who5.active_consent(actor, group)
    if consent is None:
        return redirect("who5-start", group_slug=group.slug)
    due = who5.who5_due(actor, group)
    if not due.is_due and due.next_at is not None:
        messages.info(
            request,
            _("Din næste trivselsmåling er den %(date)s.") % {"date": who5.date_text(due.next_at)},
        )
        return redirect("who5-mine", group_slug=group.slug)
    if request.method == "GET":
        return _question(request, group, consent, [])
    earlier = _earlier(request, group, consent)
    if earlier is None:
        notice = _("Der gik for lang tid, så vi starter forfra. Intet er gemt.")
        return _question(request, group, consent, [], notice=notice)
    if request.POST.get("back"):
        if not earlier:
            return _question(request, group, consent, [])
        return _question(request, group, consent, earlier[:-1], chosen=earlier[-1])
    raw = request.POST.get("answer", "")
    if raw not in {"0", "1", "2", "3", "4", "5"}:
        error = _("Vælg det svar, der passer bedst.")
        return _question(request, group, consent, earlier, error=error, status=400)
    answers = [*earlier, int(raw)]
    if len(answers) < len(who5.ITEMS):
        return _question(request, group, consent, answers)
    try:
        rate_limit(request, "who5")
        who5.who5_answer_submit(actor=actor, group=group, answers=answers)
    except ValidationError as exc:
        messages_from_error(request, exc)
        return redirect("who5-start", group_slug=group.slug)
    return redirect("who5-result", group_slug=group.slug)


# --- The person's own ---------------------------------------------------------------


def _own(request: HttpRequest, group: Group) -> dict[str, Any]:
    """The person's own scores, trend and what comes next."""
    history = who5.who5_history(request.user, group)
    latest = history[-1] if history else None
    needs_support = who5.who5_needs_support(request.user, group) if latest else False
    context: dict[str, Any] = {
        **_common(group),
        "history": history,
        "latest": latest,
        "previous": history[-2] if len(history) > 1 else None,
        "consent": who5.active_consent(request.user, group),
        "due": who5.who5_due(request.user, group),
        "needs_support": needs_support,
        "can_check_in": perms.can_check_in(request.user, group),
    }
    if needs_support:
        context.update(who5.support_context(group))
    return context


@login_required
@require_safe
def who5_result(request: HttpRequest, group_slug: str) -> HttpResponse:
    """After the fifth answer: the score, a kind sentence, the trend and,
    when the answers call for it, "Tal med nogen"."""
    group = _group(request, group_slug)
    perms.require_check_in(request.user, group)
    context = _own(request, group)
    if context["latest"] is None:
        return redirect("who5-start", group_slug=group.slug)
    context["sentence"] = who5.kind_sentence(context["latest"].score)
    return render(request, "insights/who5/result.html", context)


@login_required
@require_safe
def who5_mine(request: HttpRequest, group_slug: str) -> HttpResponse:
    """ "Mine svar": the person's own check-ins, and the way out."""
    group = _group(request, group_slug)
    perms.require_own_who5(request.user, group)
    return render(request, "insights/who5/mine.html", _own(request, group))


@login_required
@require_http_methods(["GET", "POST"])
def who5_withdraw(request: HttpRequest, group_slug: str) -> HttpResponse:
    """GET: are you sure (it deletes every answer). POST: withdraw and delete."""
    group = _group(request, group_slug)
    actor = _actor(request)
    perms.require_own_who5(actor, group)
    if request.method == "POST":
        try:
            deleted = who5.who5_consent_withdraw(actor=actor, group=group)
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            who5.decline_remember(request.session, group)  # not invited again at once
            messages.success(
                request,
                _("Du er ikke længere med i trivselsmålingen. Dine svar er slettet (%(n)s).")
                % {"n": deleted},
            )
        return redirect(group)
    return render(
        request,
        "insights/who5/withdraw.html",
        {
            **_common(group),
            "consent": who5.active_consent(actor, group),
            "count": who5.own_answers(actor, group).count(),
        },
    )
