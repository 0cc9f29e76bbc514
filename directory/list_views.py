"""Inspiration lists: the public pages and the editors' pages (plain POST
forms: add, remove, move up and down without JavaScript)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from directory import inspiration
from directory import permissions as perms
from directory.models import InspirationItem, InspirationList
from directory.staff_forms import ItemForm, ItemTextForm, ListForm
from sammen.http import messages_from_error


def _editor(request: HttpRequest) -> Any:
    perms.require_curate_lists(request.user)
    return request.user


@require_safe
def lists(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/lists.html", {"lists": inspiration.lists_with_counts()})


@require_safe
def list_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lst = get_object_or_404(InspirationList, slug=slug)
    return render(
        request,
        "directory/list_detail.html",
        {
            "list": lst,
            "items": inspiration.visible_items(lst),
            "can_edit": perms.can_curate_lists(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def lists_edit(request: HttpRequest) -> HttpResponse:
    """Every list, and a form to start a new one."""
    user = _editor(request)
    form = ListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lst = inspiration.list_create(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Listen er oprettet. Tilføj nu punkter."))
            return redirect("directory-list-edit", list_id=lst.pk)
    return render(
        request,
        "directory/lists_edit.html",
        {"lists": inspiration.lists_with_counts(), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def list_edit(request: HttpRequest, list_id: int) -> HttpResponse:
    user = _editor(request)
    lst = get_object_or_404(InspirationList, pk=list_id)
    initial = {"title": lst.title, "theme": lst.theme, "introduction": lst.introduction}
    form = ListForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            inspiration.list_update(actor=user, lst=lst, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Listen er gemt."))
            return redirect("directory-list-edit", list_id=lst.pk)
    return render(
        request,
        "directory/list_edit.html",
        {
            "list": lst,
            "form": form,
            "item_form": ItemForm(),
            "items": inspiration.editing_items(lst),
        },
    )


@login_required
@require_POST
def list_delete(request: HttpRequest, list_id: int) -> HttpResponse:
    user = _editor(request)
    lst = get_object_or_404(InspirationList, pk=list_id)
    inspiration.list_delete(actor=user, lst=lst)
    messages.success(request, _("Listen «%(title)s» er slettet.") % {"title": lst.title})
    return redirect("directory-lists-edit")


@login_required
@require_POST
def item_add(request: HttpRequest, list_id: int) -> HttpResponse:
    user = _editor(request)
    lst = get_object_or_404(InspirationList, pk=list_id)
    form = ItemForm(request.POST)
    if form.is_valid():
        try:
            inspiration.item_add(actor=user, lst=lst, **form.cleaned_data)
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Punktet er tilføjet."))
            return redirect("directory-list-edit", list_id=lst.pk)
    return render(
        request,
        "directory/list_edit.html",
        {
            "list": lst,
            "form": ListForm(
                initial={"title": lst.title, "theme": lst.theme, "introduction": lst.introduction}
            ),
            "item_form": form,
            "items": inspiration.editing_items(lst),
        },
        status=400 if form.errors else 200,
    )


def _item(item_id: int) -> InspirationItem:
    return get_object_or_404(InspirationItem.objects.select_related("list"), pk=item_id)


@login_required
@require_POST
def item_update(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _editor(request)
    item = _item(item_id)
    form = ItemTextForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Teksten må højst være 300 tegn."))
        inspiration.item_update(actor=user, item=item, **form.cleaned_data)
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Punktet er gemt."))
    return redirect("directory-list-edit", list_id=item.list_id)


@login_required
@require_POST
def item_move(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _editor(request)
    item = _item(item_id)
    try:
        inspiration.item_move(actor=user, item=item, direction=request.POST.get("direction", ""))
    except ValidationError as exc:
        messages_from_error(request, exc)
    return redirect(reverse("directory-list-edit", args=[item.list_id]) + f"#item-{item.pk}")


@login_required
@require_POST
def item_remove(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _editor(request)
    item = _item(item_id)
    inspiration.item_remove(actor=user, item=item)
    messages.success(request, _("Punktet er fjernet fra listen."))
    return redirect("directory-list-edit", list_id=item.list_id)
