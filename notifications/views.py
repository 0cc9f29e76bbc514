"""The notification centre, levels, following a post. Every action works as a
plain form post or link without JavaScript."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from groups import permissions as group_perms
from groups import selectors as group_selectors
from groups.models import Group, SubGroup
from notifications import mail, mailing, push, selectors, services
from notifications import permissions as perms
from notifications.models import LEVEL_HELP, DigestFrequency, Kind, Level, MailKind, Notification
from posts import selectors as post_selectors
from posts.models import comment_url
from sammen.http import messages_from_error


def target_url(n: Notification) -> str:
    """Where a notification leads: the exact comment, the post, the queue…"""
    if n.kind in perms.DIRECTORY_SELF_KINDS:
        return reverse("directory-my-submissions")
    if n.kind == Kind.DIRECTORY_STALE:
        return reverse("directory-editor-overview")
    if n.group is None:  # about the person's own account
        return reverse("notification-settings") + "#e-mail"
    slug = n.group.slug
    if n.post_id is not None:
        url = reverse("post-detail", kwargs={"group_slug": slug, "post_id": n.post_id})
        return comment_url(url, n.comment_id) if n.comment_id else f"{url}#post-{n.post_id}"
    if n.kind == Kind.JOIN_DECIDED:
        return n.group.get_absolute_url() if n.object_id else reverse("home")
    if n.kind == Kind.JOIN_REQUEST:
        return reverse("group-requests", kwargs={"group_slug": slug})
    if n.kind == Kind.CONCERN:
        return reverse("moderation-queue", kwargs={"group_slug": slug}) + "?grund=concern"
    if n.kind == Kind.CASE:
        return reverse("moderation-case", kwargs={"group_slug": slug, "case_id": n.object_id})
    if n.kind == Kind.PUBLISH_FAILED:
        return reverse("plan-post", kwargs={"group_slug": slug, "scheduled_id": n.object_id})
    return reverse("home")  # moderation's word about one's post is on the home page


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page, rows = selectors.centre_page(viewer=request.user, page=request.GET.get("side"))
    for n in rows:
        n.url = reverse("notification-open", kwargs={"notification_id": n.pk})  # type: ignore[attr-defined]
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "rows": rows, "unread": selectors.unread_count(request.user)},
    )


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification: it is read, and the person lands on what it is about."""
    n = get_object_or_404(
        Notification.objects.select_related("group", "post", "post__subgroup", "comment"),
        pk=notification_id,
        recipient=request.user,
    )
    services.notification_read(actor=request.user, notification=n)  # type: ignore[arg-type]
    return redirect(target_url(n))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_read_all(actor=request.user)  # type: ignore[arg-type]
    if count:
        messages.success(request, _("Alle beskeder er markeret som læst."))
    return redirect("notifications")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """One page for all of the person's levels (and, for administrators, each
    group's default)."""
    if request.method == "POST":
        try:
            _save_levels(request)
        except ValidationError as exc:
            messages_from_error(request, exc)
        else:
            messages.success(request, _("Dine indstillinger er gemt."))
            return redirect("notification-settings")
    places = selectors.my_places(request.user)
    for place in places:
        place["is_admin"] = group_perms.is_admin(request.user, place["group"])
    choices = selectors.mail_choices(request.user)
    return render(
        request,
        "notifications/notification_settings.html",
        {
            "places": places,
            "levels": Level.choices,
            "level_help": [(level.value, level.label, LEVEL_HELP[level]) for level in Level],
            "mail": choices,
            "mail_stopped": choices.stops(request.user.email),  # type: ignore[union-attr]
            "frequencies": DigestFrequency.choices,
            "weekdays": WEEKDAYS,
            **push_section(request.user),
        },
    )


def _save_levels(request: HttpRequest) -> None:
    """Fields: level-<group id>, level-<group id>-<sub-group id>, default-<group id>.
    A field for a group the person is not in is refused (404), nothing saved."""
    user: Any = request.user
    changes: list[tuple[str, Group, Any, str]] = []
    for key, raw in request.POST.items():
        value = str(raw)
        parts = key.split("-")
        if parts[0] not in ("level", "default") or not all(p.isdigit() for p in parts[1:]):
            continue
        if value and value not in Level.values:
            raise ValidationError(_("Vælg et af niveauerne på listen."))
        group = get_object_or_404(Group, pk=int(parts[1]))
        if not group_perms.is_member(user, group):
            raise Http404  # a group one is not in is as if it did not exist
        subgroup = None
        if len(parts) == 3:
            # One the person may not read is refused by level_set (403).
            subgroup = get_object_or_404(SubGroup, pk=int(parts[2]), group=group)
        changes.append((parts[0], group, subgroup, value))
    for what, group, subgroup, value in changes:
        if what == "default":
            if value:
                services.group_default_set(actor=user, group=group, level=value)
        else:
            services.level_set(actor=user, group=group, subgroup=subgroup, level=value)


@login_required
@require_POST
def post_follow(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post = post_selectors.post_get(viewer=request.user, group=group, post_id=post_id)
    following = request.POST.get("following") == "1"
    services.follow_set(actor=request.user, post=post, following=following)  # type: ignore[arg-type]
    messages.success(
        request,
        _("Du følger nu opslaget.") if following else _("Du følger ikke længere opslaget."),
    )
    return redirect(post)


# --- E-mail -------------------------------------------------------------------------

WEEKDAYS = [
    (0, _lazy("mandag")),
    (1, _lazy("tirsdag")),
    (2, _lazy("onsdag")),
    (3, _lazy("torsdag")),
    (4, _lazy("fredag")),
    (5, _lazy("lørdag")),
    (6, _lazy("søndag")),
]


@login_required
@require_POST
def mail_settings(request: HttpRequest) -> HttpResponse:
    """The e-mail part of the settings page (a form of its own)."""
    weekday = request.POST.get("digest_weekday", "")
    try:
        mailing.mail_settings_set(
            actor=request.user,  # type: ignore[arg-type]
            immediate=request.POST.get("immediate") == "1",
            digest=request.POST.get("digest", ""),
            digest_weekday=int(weekday) if weekday.isdigit() else -1,
        )
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        messages.success(request, _("Dine valg for e-mail er gemt."))
    return redirect(reverse("notification-settings") + "#e-mail")


@login_required
@require_POST
def mail_resume(request: HttpRequest) -> HttpResponse:
    """ "Min adresse virker igen": mail to it starts again."""
    mailing.address_resume(actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Tak. Vi sender igen e-mails til din adresse."))
    return redirect(reverse("notification-settings") + "#e-mail")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def mail_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058). A POST (the mail client's button, or
    the page's) takes effect at once, without login, cookie or CSRF token; a
    GET only shows the page with one button, so a mail scanner that follows
    links unsubscribes nobody. The signed token is all it takes, and all it
    can do is this."""
    try:
        row, kind = mail.token_payload(token)
    except mail.BadToken:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    what = MailKind(kind).label
    if request.method == "POST":
        mailing.unsubscribe(row=row, kind=kind)
        return render(request, "notifications/unsubscribe_done.html", {"what": what, "kind": kind})
    return render(request, "notifications/unsubscribe.html", {"what": what, "kind": kind})


# The preview shows the e-mail as mail programs will: its HTML carries inline
# styles (mail programs ignore stylesheets). Inline styles, never scripts, are
# allowed on this one page.
@csp_update({"style-src": [UNSAFE_INLINE]})  # type: ignore[arg-type]  # (its stub: a view of request only)
@login_required
def digest_preview(request: HttpRequest, group_slug: str) -> HttpResponse:
    """ "Sådan ser ugens e-mail ud": for those who plan the group's posts."""
    group = get_object_or_404(Group, slug=group_slug)
    perms.require_digest_preview(request.user, group)
    content, message = mailing.digest_preview(viewer=request.user, group=group)  # type: ignore[arg-type]
    return render(
        request,
        "notifications/digest_preview.html",
        {
            "group": group,
            "content": content,
            "text": message.body if message else "",
            "subject": message.subject if message else "",
            "user": request.user,
            "site_url": "/",
        },
    )


# --- Web push ("Beskeder på telefonen"; notifications/push.py) -----------------------

# The installable app's colours (static/css/sammen.css): the header's blue
# (--brand-dark) for the browser's bar, the page's background (--soft) behind
# the icon while it starts.
THEME_COLOUR = "#134463"
BACKGROUND_COLOUR = "#f4f1ec"
_INVALID_SUBSCRIPTION = _lazy("Browseren sendte ikke en gyldig adresse til beskeder. Prøv igen.")


def push_section(user: Any) -> dict[str, Any]:
    """What the settings page's push section shows
    (templates/notifications/partials/push.html)."""
    devices = selectors.push_devices(user)
    return {
        "push_devices": devices,
        "push_devices_text": push_devices_text(devices),
        "push_public_key": push.application_server_key(),
    }


def push_devices_text(count: int) -> str:
    if not count:
        return _("Beskeder på telefonen er ikke slået til på nogen af dine enheder.")
    return ngettext(
        "Beskeder på telefonen er slået til på %(count)d af dine enheder.",
        "Beskeder på telefonen er slået til på %(count)d af dine enheder.",
        count,
    ) % {"count": count}


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def _subscription_fields(request: HttpRequest) -> dict[str, str]:
    """The subscription as the browser's PushSubscription.toJSON() gives it
    (the page's script), or as the form fields endpoint, p256dh and auth.
    Whatever is not a string arrives empty, and the service refuses it."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise ValidationError(_INVALID_SUBSCRIPTION)
        keys = data.get("keys")
        keys = keys if isinstance(keys, dict) else {}
        raw = {
            "endpoint": data.get("endpoint"),
            "p256dh": keys.get("p256dh"),
            "auth": keys.get("auth"),
        }
    else:
        raw = {name: request.POST.get(name) for name in ("endpoint", "p256dh", "auth")}
    return {name: value if isinstance(value, str) else "" for name, value in raw.items()}


def _push_answer(
    request: HttpRequest, message: str, *, ok: bool = True, **extra: Any
) -> HttpResponse:
    """JSON for the page's script (400 with {"error": …} when refused); for a
    plain form post, the message on the settings page."""
    if _wants_json(request):
        if not ok:
            return JsonResponse({"error": message}, status=400)
        return JsonResponse({"ok": True, "message": message, **extra})
    if ok:
        messages.success(request, message)
    else:
        messages.error(request, message)
    return redirect(reverse("notification-settings") + "#push")


def _devices(user: Any) -> dict[str, Any]:
    count = selectors.push_devices(user)
    return {"devices": count, "devices_text": push_devices_text(count)}


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """After "Få besked på telefonen": the browser's subscription, sent by
    static/js/sammen-push.js once the person allowed notifications."""
    user: Any = request.user
    try:
        services.push_subscription_save(actor=user, **_subscription_fields(request))
    except ValidationError as exc:
        return _push_answer(request, " ".join(exc.messages), ok=False)
    message = _("Slået til. Du får nu besked på denne enhed, når der er nyt til dig.")
    return _push_answer(request, message, **_devices(user))


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    """ "Slå fra" on this device (the person's own subscription only)."""
    user: Any = request.user
    try:
        endpoint = _subscription_fields(request)["endpoint"]
        if not endpoint:
            raise ValidationError(_INVALID_SUBSCRIPTION)
    except ValidationError as exc:
        return _push_answer(request, " ".join(exc.messages), ok=False)
    services.push_subscription_delete(actor=user, endpoint=endpoint)
    return _push_answer(request, _("Slået fra på denne enhed."), **_devices(user))


@login_required
@require_POST
def push_test(request: HttpRequest) -> HttpResponse:
    """ "Send en prøve" (a plain form)."""
    try:
        count = services.push_test_send(actor=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages_from_error(request, exc)
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "Prøven er sendt til %(count)d enhed. Den kommer frem om et øjeblik.",
                    "Prøven er sendt til %(count)d enheder. Den kommer frem om et øjeblik.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.error(
                request,
                _(
                    "Prøven kunne ikke sendes. Tryk på »Få besked på telefonen« på "
                    "telefonen igen, og prøv så igen."
                ),
            )
    return redirect(reverse("notification-settings") + "#push")


@lru_cache(maxsize=1)
def _service_worker_cached() -> str:
    return _service_worker_read()


def _service_worker_read() -> str:
    found = finders.find("js/sw.js")
    if isinstance(found, str):
        with open(found, encoding="utf-8") as handle:
            return handle.read()
    with staticfiles_storage.open("js/sw.js") as handle:
        return str(handle.read().decode("utf-8"))


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/js/sw.js at the site's root (a service worker reaches only the
    pages below its script's folder), with what it shows when a push arrives
    without a message (the site's language, the icons' URLs)."""
    with translation.override(settings.LANGUAGE_CODE):
        config = {
            "title": settings.SITE_NAME,
            "body": push.body_for(""),
            "url": reverse("notifications"),
            "icon": static("icons/icon-192.png"),
            "badge": static("icons/badge-96.png"),
        }
    source = _service_worker_read() if settings.DEBUG else _service_worker_cached()
    script = f"self.SAMMEN_PUSH = {json.dumps(config, ensure_ascii=False)};\n{source}"
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # The browser asks again on every visit; a new version is used at once.
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def web_manifest(request: HttpRequest) -> HttpResponse:
    """What a phone needs to add Sammen to its home screen as an app."""
    icons: list[dict[str, str]] = []
    for size in (192, 512):
        for purpose in ("any", "maskable"):  # one full-bleed picture serves both
            icons.append(
                {
                    "src": static(f"icons/icon-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": purpose,
                }
            )
    with translation.override(settings.LANGUAGE_CODE):
        data = {
            "id": "/",
            "name": settings.SITE_NAME,
            "short_name": settings.SITE_NAME,
            "description": _("Et trygt fællesskab, hver for sig og sammen."),
            "lang": settings.LANGUAGE_CODE,
            "dir": "ltr",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": icons,
        }
    response = JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "max-age=3600"
    return response
