"""The public directory's pages (thin: forms, selectors, services).

Nothing here needs a login: finding, reading, printing, the calendar, the
.ics files and favourites (kept in the session for visitors, on the account
for members) are for everyone. Only published entries are shown to people
they do not concern (directory.permissions)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core import signing
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from directory import ics, selectors, services
from directory import permissions as perms
from directory.forms import FLAG_FILTERS, SELECT_FILTERS, SearchForm
from directory.generation import generation
from directory.models import Entry
from groups.models import Group, SubGroup

SHARE_SALT = "directory.favourites.share"
CALENDAR_DAYS = 14
CALENDAR_MAX_OFFSET_DAYS = 365


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("side", "1")), 10_000))
    except ValueError:
        return 1


def _search_form(request: HttpRequest) -> tuple[SearchForm, dict[str, list[tuple[str, str]]]]:
    options = selectors.directory_options()
    form = SearchForm(request.GET or None, options=options)
    form.is_valid()
    return form, options


def _favourite_ids(request: HttpRequest) -> list[int]:
    if request.user.is_authenticated:
        return selectors.favourite_ids_for_member(request.user)
    return services.session_favourite_ids(request.session)


def _visitor(request: HttpRequest, today: dt.date) -> str:
    """Who searched, as a daily-salted hash (services.visitor_hash): the session
    if there is one, else the address and browser, never stored as such."""
    key = request.session.session_key or (
        request.META.get("REMOTE_ADDR", "") + "|" + request.META.get("HTTP_USER_AGENT", "")[:200]
    )
    return services.visitor_hash(session_key=key, today=today) if key.strip("|") else ""


def _filter_widgets(
    form: SearchForm, finding: selectors.Finding, filters: dict[str, Any]
) -> dict[str, Any]:
    """The selects and checkboxes with each value's count, for the template."""
    selects = []
    for name in SELECT_FILTERS:
        field = form[name]
        counts = finding.facets.get(name, {})
        chosen = str(filters.get(name, ""))
        choices = []
        for value, label in field.field.choices:  # type: ignore[attr-defined]
            value = str(value)
            choices.append(
                {
                    "value": value,
                    "label": label,
                    "count": counts.get(value, 0) if value else None,
                    "selected": value == chosen,
                }
            )
        selects.append({"field": field, "choices": choices})
    checks = [
        {"field": form[name], "count": finding.facets.get(name, {}).get("on", 0)}
        for name in FLAG_FILTERS
    ]
    return {"selects": selects, "checks": checks}


def _query_string(request: HttpRequest, **changes: Any) -> str:
    params = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key not in changes:
            params.setlist(key, values)
    for key, value in changes.items():
        if value not in (None, ""):
            params[key] = str(value)
    return params.urlencode()


@require_GET
def directory_home(request: HttpRequest) -> HttpResponse:
    """Search, filters and results: one GET form, the URL is the search."""
    form, _options = _search_form(request)
    query, filters = form.query(), form.filters()
    today = selectors.local_today()
    finding = selectors.directory_find_cached(
        query=query, filters=filters, page=_page_number(request), today=today
    )
    if query and not finding.terms:
        messages.info(request, _("Skriv mindst ét ord, vi kan søge efter (bogstaver eller tal)."))
    searched = bool(finding.terms or filters)
    if searched and finding.page == 1:
        _record(request, finding, filters, today)
    key = _page_key(request, today) if not form.errors else None
    cached = cache.get(key) if key else None
    if cached is not None:
        return _with_token(request, cached)
    context = {
        "form": form,
        "finding": finding,
        "query": query,
        "searched": searched,
        "favourite_ids": set(_favourite_ids(request)),
        "filters": _filter_widgets(form, finding, filters),
        "has_filters": bool(filters),
        "previous_qs": _query_string(request, side=finding.page - 1) if finding.page > 1 else "",
        "next_qs": _query_string(request, side=finding.page + 1)
        if finding.page < finding.pages
        else "",
        "ics_qs": _query_string(request, side=None),
    }
    if key is None:
        return render(request, "directory/home.html", context)
    html = render_to_string(
        "directory/home.html", {**context, "csrf_token": _TOKEN_MARK}, request=request
    )
    cache.set(key, html, _page_seconds())
    return _with_token(request, html)


# The finder's page for an anonymous visitor is the same for everyone who asks
# the same thing (but for the forms' CSRF token): it is cached rendered, as long
# as the search results are (DIRECTORY_FIND_CACHE_SECONDS) and under the same
# generation (any entry change is a new one), with a mark where the token goes;
# each visitor gets their own token in its place.
_TOKEN_MARK = "csrf-token-mark-7f3a9c1e"  # noqa: S105 (a placeholder, not a secret)


def _page_key(request: HttpRequest, today: dt.date) -> str | None:
    """None when the page must be rendered for this request: a logged-in person
    (their header and list), a visitor with a list of their own, or messages
    waiting to be shown once."""
    if _page_seconds() <= 0:
        return None
    if request.user.is_authenticated or _favourite_ids(request) or len(get_messages(request)):
        return None
    raw = repr((generation(), request.get_full_path(), get_language(), today.isoformat()))
    return "directory:page:" + hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()


def _page_seconds() -> int:
    return int(getattr(settings, "DIRECTORY_FIND_CACHE_SECONDS", 60))


def _with_token(request: HttpRequest, html: str) -> HttpResponse:
    return HttpResponse(html.replace(_TOKEN_MARK, get_token(request)))


def _record(
    request: HttpRequest, finding: selectors.Finding, filters: dict[str, Any], today: dt.date
) -> None:
    named = {"omraade", "maalgruppe", "tema", "type"}
    other = "&".join(f"{k}={filters[k]}" for k in sorted(filters) if k not in named)
    services.search_stat_record(
        today=today,
        query=" ".join(finding.terms)[:100],
        area=str(filters.get("omraade", "")),
        target_group=str(filters.get("maalgruppe", "")),
        theme=str(filters.get("tema", "")),
        activity_type=str(filters.get("type", "")),
        other_filters=other,
        result_count=finding.total,
        visitor=_visitor(request, today),
    )


def _entry_or_404(request: HttpRequest, entry_id: int) -> Entry:
    entry = selectors.entry_get(entry_id=entry_id)
    if entry is None:
        raise Http404
    perms.require_view_entry(request.user, entry)
    return entry


def _entry_context(request: HttpRequest, entry: Entry) -> dict[str, Any]:
    today = selectors.local_today()
    return {
        "entry": entry,
        "upcoming": selectors.upcoming(entry, today=today),
        "favourite_ids": set(_favourite_ids(request)),
        "join_url": services.group_join_url(entry),
        "can_edit": perms.can_edit_entry(request.user, entry),
    }


@require_GET
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry_or_404(request, entry_id)
    return render(request, "directory/entry.html", _entry_context(request, entry))


@require_GET
def entry_print(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One page a professional prints and hands to a citizen."""
    entry = _entry_or_404(request, entry_id)
    return render(request, "directory/entry_print.html", _entry_context(request, entry))


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def entry_ics(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry_or_404(request, entry_id)
    today = selectors.local_today()
    events = ics.entry_events(
        entry,
        url=request.build_absolute_uri(entry.get_absolute_url()),
        host=request.get_host(),
        today=today,
    )
    return _ics_response(
        ics.calendar_bytes(events, name=entry.title), f"faellesskab-{entry.pk}.ics"
    )


@require_GET
def search_ics(request: HttpRequest) -> HttpResponse:
    """Every entry of a search in one calendar file."""
    form, _options = _search_form(request)
    today = selectors.local_today()
    entries = selectors.entries_for_ics(query=form.query(), filters=form.filters(), today=today)
    events = []
    for entry in entries:
        events.extend(
            ics.entry_events(
                entry,
                url=request.build_absolute_uri(entry.get_absolute_url()),
                host=request.get_host(),
                today=today,
            )
        )
    return _ics_response(ics.calendar_bytes(events, name=_("Fællesskaber")), "faellesskaber.ics")


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """The dated meetings of the coming two weeks, then two more, and so on."""
    form, _options = _search_form(request)
    filters = form.filters()
    today = selectors.local_today()
    try:
        offset = int(request.GET.get("fra", "0"))
    except ValueError:
        offset = 0
    offset = max(0, min(offset, CALENDAR_MAX_OFFSET_DAYS))
    start = today + dt.timedelta(days=offset)
    days = selectors.calendar(start=start, days=CALENDAR_DAYS, filters=filters, today=today)
    context = {
        "form": form,
        "days": days,
        "start": start,
        "end": start + dt.timedelta(days=CALENDAR_DAYS - 1),
        "next_qs": _query_string(request, fra=offset + CALENDAR_DAYS)
        if offset + CALENDAR_DAYS <= CALENDAR_MAX_OFFSET_DAYS
        else "",
        "previous_qs": _query_string(request, fra=max(0, offset - CALENDAR_DAYS)) if offset else "",
        "filters": _calendar_filters(form),
    }
    return render(request, "directory/calendar.html", context)


def _calendar_filters(form: SearchForm) -> list[Any]:
    return [form[name] for name in ("omraade", "type", "maalgruppe")]


# --- Favourites ----------------------------------------------------------------


def _share_token(ids: list[int]) -> str:
    return signing.dumps(ids[:200], salt=SHARE_SALT, compress=True)


def _favourites_context(request: HttpRequest) -> dict[str, Any]:
    ids = _favourite_ids(request)
    entries = selectors.entries_by_ids(ids, today=selectors.local_today())
    share_url = ""
    if entries:
        token = _share_token([e.pk for e in entries])
        share_url = request.build_absolute_uri(reverse("directory-shared-list", args=[token]))
    return {"entries": entries, "share_url": share_url, "favourite_ids": set(ids)}


@require_GET
def favourites(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/favourites.html", _favourites_context(request))


@require_GET
def favourites_print(request: HttpRequest) -> HttpResponse:
    context = _favourites_context(request)
    context["title"] = _("Mine fællesskaber")
    return render(request, "directory/list_print.html", context)


@require_GET
def shared_list(request: HttpRequest, token: str) -> HttpResponse:
    """A list someone shared as a link: the ids are signed, so a link cannot be
    made to show anything but published entries in the order it was shared."""
    try:
        ids = signing.loads(token, salt=SHARE_SALT)
    except signing.BadSignature:
        raise Http404 from None
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise Http404
    entries = selectors.entries_by_ids(ids, today=selectors.local_today())
    template = (
        "directory/list_print.html" if request.GET.get("udskriv") else "directory/shared_list.html"
    )
    return render(
        request,
        template,
        {"entries": entries, "title": _("En liste over fællesskaber"), "token": token},
    )


def _back(request: HttpRequest, entry: Entry) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(entry.get_absolute_url())


@require_POST
def favourite_add(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(Entry, pk=entry_id)
    perms.require_view_entry(request.user, entry)
    if not entry.is_published:
        raise Http404
    if request.user.is_authenticated:
        services.favourite_add(actor=request.user, entry=entry)
    else:
        services.session_favourite_add(session=request.session, entry=entry)
    messages.success(request, _("“%(title)s” er gemt på din liste.") % {"title": entry.title})
    return _back(request, entry)


@require_POST
def favourite_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(Entry, pk=entry_id)
    perms.require_view_entry(request.user, entry)
    if request.user.is_authenticated:
        services.favourite_remove(actor=request.user, entry=entry)
    else:
        services.session_favourite_remove(session=request.session, entry_id=entry.pk)
    messages.success(request, _("“%(title)s” er fjernet fra din liste.") % {"title": entry.title})
    return _back(request, entry)


# --- Sammen groups in the directory ---------------------------------------------


@require_POST
def group_listing(request: HttpRequest, group_slug: str) -> HttpResponse:
    """A group's administrators show (or stop showing) the group or one of its
    sub-groups in the directory: the public face only."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
    group = get_object_or_404(Group, slug=group_slug)
    perms.require_list_group(request.user, group)
    subgroup = None
    if request.POST.get("undergruppe"):
        subgroup = get_object_or_404(SubGroup, group=group, slug=request.POST["undergruppe"])
    if request.POST.get("handling") == "skjul":
        services.entry_for_group_unpublish(actor=request.user, group=group, subgroup=subgroup)
        messages.success(request, _("Den er ikke længere med i oversigten over fællesskaber."))
    else:
        entry = services.entry_for_group_publish(actor=request.user, group=group, subgroup=subgroup)
        messages.success(
            request,
            _("Den er nu med i oversigten over fællesskaber, så andre kan finde den."),
        )
        if request.POST.get("vis"):
            return redirect(entry.get_absolute_url())
    return redirect("group-settings", group_slug=group.slug)
