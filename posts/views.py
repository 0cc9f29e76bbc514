"""The post's own pages (edit, delete, who reacted, the reaction choices) and
every write as a plain form POST (htmx enhances them:
an htmx request gets 204 and the change arrives over the socket, like it does
for everyone else watching)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groups import selectors as group_selectors
from posts import permissions as perms
from posts import selectors, services
from posts.forms import CommentForm, PostEditForm
from posts.models import Comment, PostImage
from sammen.http import messages_from_error, private_file
from sammen.ratelimit import RateLimited, rate_limit


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _redirect_place(group: Any, subgroup: Any) -> HttpResponse:
    return redirect(subgroup if subgroup is not None else group)


@login_required
def post_edit(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post = selectors.post_get(viewer=request.user, group=group, post_id=post_id)
    if not perms.can_edit_post(request.user, post):
        raise PermissionDenied
    form = PostEditForm(request.POST or None, initial={"body": post.body, "theme": post.theme})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit(request, "post")
            services.post_update(
                actor=request.user,  # type: ignore[arg-type]
                post=post,
                body=form.cleaned_data["body"],
                theme=form.cleaned_data.get("theme") or "",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 429 if isinstance(exc, RateLimited) else 200
        else:
            messages.success(request, _("Opslaget er gemt."))
            return redirect(post)
    return render(
        request,
        "posts/post_edit.html",
        {"group": group, "post": post, "form": form},
        status=status,
    )


@login_required
def post_delete(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post = selectors.post_get(viewer=request.user, group=group, post_id=post_id)
    if not perms.can_delete_post(request.user, post):
        raise PermissionDenied
    if request.method == "POST":
        services.post_delete(actor=request.user, post=post)  # type: ignore[arg-type]
        messages.success(request, _("Opslaget er slettet."))
        return _redirect_place(group, post.subgroup)
    return render(request, "posts/post_delete.html", {"group": group, "post": post})


@login_required
@require_POST
def post_pin(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post = selectors.post_get(viewer=request.user, group=group, post_id=post_id)
    pinned = request.POST.get("pinned") == "1"
    services.post_set_pinned(actor=request.user, post=post, pinned=pinned)  # type: ignore[arg-type]
    if _is_htmx(request):
        return HttpResponse(status=204)
    messages.success(
        request,
        _("Opslaget er fastgjort øverst.") if pinned else _("Opslaget er ikke længere fastgjort."),
    )
    return redirect(group)


def _comment_refused(
    request: HttpRequest, group: Any, post: Any, form: CommentForm, status: int
) -> HttpResponse:
    """A comment or reply that could not be stored: with htmx, the reason as
    text (the form keeps its text in the page); without JavaScript, a page with
    the reason and the form again, holding what the person wrote."""
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    if _is_htmx(request):
        return HttpResponse(" ".join(errors), status=status)
    parent = None
    parent_id = form.cleaned_data.get("parent") if hasattr(form, "cleaned_data") else None
    if parent_id:
        parent = Comment.objects.filter(pk=parent_id, post=post).first()
    return render(
        request,
        "posts/comment_retry.html",
        {"group": group, "post": post, "form": form, "parent": parent},
        status=status,
    )


@login_required
@require_POST
def comment_create(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post = selectors.post_get(viewer=request.user, group=group, post_id=post_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _comment_refused(request, group, post, form, status=422)
    try:
        rate_limit(request, "comment")
        comment = services.comment_create(
            actor=request.user,  # type: ignore[arg-type]
            post=post,
            body=form.cleaned_data["body"],
            parent_id=form.cleaned_data.get("parent"),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        status = 429 if isinstance(exc, RateLimited) else 422
        return _comment_refused(request, group, post, form, status=status)
    if _is_htmx(request):
        return HttpResponse(status=204)
    return redirect(post.comment_url(comment.pk))


def _comment(request: HttpRequest, group_slug: str, comment_id: int) -> tuple[Any, Comment]:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    comment = get_object_or_404(
        Comment.objects.select_related("post", "post__group", "post__subgroup", "author"),
        pk=comment_id,
        post__group=group,
    )
    perms.require_view_post(request.user, comment.post)
    if not perms.can_view_comment(request.user, comment):
        raise Http404
    return group, comment


@login_required
def comment_edit(request: HttpRequest, group_slug: str, comment_id: int) -> HttpResponse:
    group, comment = _comment(request, group_slug, comment_id)
    if not perms.can_edit_comment(request.user, comment):
        raise PermissionDenied
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit(request, "comment")
            services.comment_update(
                actor=request.user,  # type: ignore[arg-type]
                comment=comment,
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 429 if isinstance(exc, RateLimited) else 200
        else:
            messages.success(request, _("Kommentaren er gemt."))
            return redirect(comment.post.comment_url(comment.pk))
    return render(
        request,
        "posts/comment_edit.html",
        {"group": group, "comment": comment, "form": form},
        status=status,
    )


@login_required
def comment_delete(request: HttpRequest, group_slug: str, comment_id: int) -> HttpResponse:
    group, comment = _comment(request, group_slug, comment_id)
    if not perms.can_delete_comment(request.user, comment):
        raise PermissionDenied
    if request.method == "POST":
        services.comment_delete(actor=request.user, comment=comment)  # type: ignore[arg-type]
        if _is_htmx(request):
            return HttpResponse(status=204)
        messages.success(request, _("Kommentaren er slettet."))
        return redirect(comment.post)
    return render(request, "posts/comment_delete.html", {"group": group, "comment": comment})


def _react(request: HttpRequest, post: Any, comment: Comment | None) -> HttpResponse:
    kind = request.POST.get("kind") or None
    try:
        rate_limit(request, "reaction")
        services.reaction_set(
            actor=request.user,  # type: ignore[arg-type]
            post=post,
            comment=comment,
            kind=kind,
        )
    except ValidationError as exc:
        status = 429 if isinstance(exc, RateLimited) else 422
        if _is_htmx(request):
            return HttpResponse(" ".join(exc.messages), status=status)
        messages_from_error(request, exc)
    if _is_htmx(request):
        return HttpResponse(status=204)
    anchor = f"#comment-{comment.pk}" if comment is not None else f"#post-{post.pk}"
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target + anchor)
    return redirect(post.get_absolute_url() + anchor)


@login_required
@require_http_methods(["GET", "POST"])
def post_react(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    """POST: set, change or take back a reaction. GET: the choices on a page of
    their own, for "Flere reaktioner" without JavaScript (a feed renders the
    choices once per page, not once per post)."""
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post = selectors.post_get(viewer=request.user, group=group, post_id=post_id)
    if request.method == "POST":
        return _react(request, post, None)
    if not perms.can_react(request.user, post):
        raise PermissionDenied
    return render(
        request,
        "posts/react.html",
        {
            "group": group,
            "post": post,
            "mine": selectors.reaction_of(viewer=request.user, post=post),
            "next": post.get_absolute_url(),
        },
    )


@login_required
@require_POST
def comment_react(request: HttpRequest, group_slug: str, comment_id: int) -> HttpResponse:
    _group, comment = _comment(request, group_slug, comment_id)
    return _react(request, comment.post, comment)


@login_required
def post_reactions(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post = selectors.post_get(viewer=request.user, group=group, post_id=post_id)
    return render(
        request,
        "posts/reactions.html",
        {
            "group": group,
            "post": post,
            "reactions": selectors.reactions_list(viewer=request.user, post=post),
        },
    )


@login_required
def mention_search(request: HttpRequest, group_slug: str) -> JsonResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    names = selectors.mention_candidates(
        viewer=request.user, group=group, prefix=request.GET.get("q", "")
    )
    return JsonResponse({"names": names})


@login_required
def post_photo(request: HttpRequest, group_slug: str, image_id: int, size: str) -> FileResponse:
    """A post's photo, for those who may read the post: photos are content of a
    closed group, so they are not public media files."""
    if size not in ("full", "thumb"):
        raise Http404
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    image = get_object_or_404(
        PostImage.objects.select_related("post", "post__group", "post__subgroup"),
        pk=image_id,
        post__group=group,
    )
    perms.require_view_post(request.user, image.post)
    return private_file(
        image.image if size == "full" else image.thumbnail,
        name=f"foto-{image.pk}-{size}",
        max_age=86400,
    )
