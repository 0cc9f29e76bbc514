"""Flag pages, the review queue, a case, the log, settings, notices.

Every action is a plain form POST with a redirect after it (messages tell
what happened); the queue page is enhanced with live counts when JavaScript
runs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groups import selectors as group_selectors
from moderation import permissions as perms
from moderation import selectors, services
from moderation.forms import BulkForm, DecisionForm, FlagForm, SettingsForm
from moderation.models import AuthorAction, CaseState, FlagReason
from posts import permissions as post_perms
from posts.models import Comment, ContentState, Post
from sammen.http import messages_from_error


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.as_data().values():
        for error in errors:
            messages_from_error(request, error)


def _context(request: HttpRequest, group: Any, **extra: Any) -> dict[str, Any]:
    """The group (its header is the pages app's `group_header` tag) and what
    the viewer may do in its moderation."""
    return {
        "group": group,
        "mod": perms.moderation_capabilities(request.user, group),
        **extra,
    }


def _queue_url(group: Any) -> str:
    return reverse("moderation-queue", kwargs={"group_slug": group.slug})


# --- flagging --------------------------------------------------------------------------


def _flag(request: HttpRequest, group: Any, post: Post, comment: Comment | None) -> HttpResponse:
    perms.require_view_item(request.user, post, comment)
    item: Any = comment if comment is not None else post
    back = post.comment_url(comment.pk) if comment is not None else post.get_absolute_url()
    if item.state == ContentState.REMOVED or post.state == ContentState.REMOVED:
        messages.info(request, _("Indlægget er allerede fjernet. Tak, fordi du sagde til."))
        return redirect(group)
    form = FlagForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.flag_create(
                    actor=request.user,  # type: ignore[arg-type]
                    post=post,
                    comment=comment,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if result.concern:
                    messages.success(request, _("Tak, fordi du sagde til."))
                    return redirect("moderation-help", group_slug=group.slug)
                messages.success(
                    request,
                    _("Tak. Din anmeldelse er sendt til gruppens moderatorer."),
                )
                post.refresh_from_db(fields=["state"])
                if not post_perms.can_view_post(request.user, post):
                    # Hidden by this very flag: the post page is gone for them.
                    return redirect(post.subgroup or group)
                return redirect(back)
        status = 400
    return render(
        request,
        "moderation/flag.html",
        _context(request, group, form=form, post=post, comment=comment, item=item, back=back),
        status=status,
    )


@login_required
def flag_post(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post = (
        Post.objects.select_related("group", "subgroup", "author")
        .filter(pk=post_id, group=group)
        .first()
    )
    if post is None:
        raise Http404
    return _flag(request, group, post, None)


@login_required
def flag_comment(request: HttpRequest, group_slug: str, comment_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    comment = (
        Comment.objects.select_related("post", "post__group", "post__subgroup", "author")
        .filter(pk=comment_id, post__group=group)
        .first()
    )
    if comment is None:
        raise Http404
    return _flag(request, group, comment.post, comment)


@login_required
def concern_help(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Where to get help now: shown after a concern for a member, and linked
    from the rules page."""
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    return render(
        request,
        "moderation/flag_concern.html",
        _context(
            request, group, help_text=selectors.help_text(group), back=group.get_absolute_url()
        ),
    )


# --- the queue ----------------------------------------------------------------------


@login_required
def queue(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_view_queue(request.user, group)
    reason = request.GET.get("grund", "")
    if reason not in [*FlagReason.values, selectors.HELD]:
        reason = ""
    state = request.GET.get("status", CaseState.OPEN)
    if state not in CaseState.values:
        state = CaseState.OPEN
    page = selectors.queue(
        viewer=request.user, group=group, reason=reason, state=state, page=request.GET.get("side")
    )
    return render(
        request,
        "moderation/queue.html",
        _context(
            request,
            group,
            page=page,
            reason=reason,
            state=state,
            reasons=[*FlagReason.choices, (selectors.HELD, _("Holdt tilbage til godkendelse"))],
            counts=selectors.queue_counts(group),
            author_actions=AuthorAction.choices,
            bulk_form=BulkForm(),
            socket_path=f"/ws/groups/{group.slug}/moderation/",
        ),
    )


@login_required
def case_detail(request: HttpRequest, group_slug: str, case_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_view_queue(request.user, group)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        perms.require_moderate(request.user, group)
        if form.is_valid():
            try:
                services.case_decide(
                    actor=request.user,  # type: ignore[arg-type]
                    group=group,
                    case_id=case_id,
                    decision=form.cleaned_data["decision"],
                    author_action=form.cleaned_data.get("author_action") or "",
                    mute_days=form.cleaned_data.get("mute_days"),
                    reason=form.cleaned_data.get("reason") or "",
                )
            except ValidationError as exc:
                messages_from_error(request, exc)
            else:
                messages.success(request, _("Sagen er afgjort. Forfatteren har fået besked."))
            return redirect(request.POST.get("next") or _queue_url(group))
        _form_errors(request, form)
        return redirect(request.POST.get("next") or _queue_url(group))
    case = selectors.case_get(viewer=request.user, group=group, case_id=case_id)
    if case is None:
        raise Http404
    return render(
        request,
        "moderation/case_detail.html",
        _context(request, group, case=case, author_actions=AuthorAction.choices),
    )


@login_required
@require_POST
def bulk(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_moderate(request.user, group)
    form = BulkForm(request.POST)
    ids = [int(x) for x in request.POST.getlist("case") if x.isdigit()]
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_queue_url(group))
    try:
        result = services.cases_decide_bulk(
            actor=request.user,  # type: ignore[arg-type]
            group=group,
            case_ids=ids,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data.get("reason") or "",
        )
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        if result.done:
            messages.success(
                request,
                _("%(n)d sager er afgjort.") % {"n": result.done}
                if result.done != 1
                else _("1 sag er afgjort."),
            )
        for message in result.refused:
            messages.warning(request, message)
    return redirect(_queue_url(group))


# --- log, settings, notices -----------------------------------------------------------


@login_required
def audit_log(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    page = selectors.audit_log(viewer=request.user, group=group, page=request.GET.get("side"))
    return render(request, "moderation/audit_log.html", _context(request, group, page=page))


@login_required
def moderation_settings(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    perms.require_edit_settings(request.user, group)
    current = selectors.settings_for(group)
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial={
            "flag_threshold": current.flag_threshold,
            "hold_first_posts": current.hold_first_posts,
            "held_keywords": current.held_keywords,
            "concern_help_text": current.concern_help_text or selectors.default_help_text(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Moderationsindstillingerne er gemt."))
            return redirect("moderation-settings", group_slug=group.slug)
    return render(request, "moderation/settings.html", _context(request, group, form=form))


@login_required
@require_POST
def notice_dismiss(request: HttpRequest, notice_id: int) -> HttpResponse:
    try:
        services.notice_dismiss(actor=request.user, notice_id=notice_id)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages_from_error(request, exc)
    return redirect("home")
