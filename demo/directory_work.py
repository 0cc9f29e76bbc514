"""The directory's second half in the demo (issue 15): the editor and the
coordinator, five submissions waiting for approval, three entries that are
stale (one already asked, one hidden for not answering), the four
inspiration lists, and three coordinator requests in different states.
Built on what demo.directory.seed_directory returns. Idempotent: what exists
(by title, by list slug, by requester name) is left alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from demo.directory import DirectoryDemo
from demo.people import PASSWORD
from directory import coordinator, inspiration, review
from directory.models import (
    ChangeAction,
    CoordinatorRequest,
    DirectoryRole,
    DirectoryRoleKind,
    Entry,
    EntryChange,
    EntryStatus,
    InspirationList,
    RequestState,
)

# email, display name, directory role (listed in the README with the others).
WORK_ACCOUNTS = [
    ("directory@example.org", "Dorthe Lauridsen", DirectoryRoleKind.EDITOR),
    ("coordinator@example.org", "Kasper Holm", DirectoryRoleKind.COORDINATOR),
]

# Submissions waiting for approval: title, organiser, area, type, target, description.
WAITING = [
    (
        "Gåtur i Lund Skov",
        "Lund Borgerforening",
        "lund",
        "gaatur",
        "alle",
        "Vi går en tur i skoven hver onsdag. Vi går stille og roligt. Alle kan være med.",
    ),
    (
        "Mandehørm i værkstedet",
        "Torsted Menighedsråd",
        "torsted",
        "kultur",
        "seniorer",
        "Mænd mødes i værkstedet. Vi laver små ting i træ og drikker kaffe.",
    ),
    (
        "Lektiecafé for voksne",
        "Horsens Bibliotek",
        "horsens-midtby",
        "samtalegruppe",
        "alle",
        "Få hjælp til breve, skemaer og NemID af frivillige. Kom bare forbi.",
    ),
    (
        "Havefællesskab i Stensballe",
        "Stensballe Grundejerforening",
        "stensballe",
        "natur",
        "alle",
        "Vi dyrker grøntsager sammen i fælleshaven. Du behøver ikke at kunne noget.",
    ),
    (
        "Syng med på plejecentret",
        "Ældre Sagen Horsens",
        "hatting",
        "sang-og-musik",
        "seniorer",
        "Vi synger de gamle sange sammen med beboerne. Pårørende er velkomne.",
    ),
]

LISTS = [
    (
        "mentalt-aktiv",
        "mentalt",
        "Mentalt aktiv",
        "Idéer til at holde hovedet i gang: læse, lære, synge og tale om det, der betyder noget.",
    ),
    (
        "socialt-aktiv",
        "socialt",
        "Socialt aktiv",
        "Steder, hvor du kan møde andre – også hvis du kommer alene første gang.",
    ),
    (
        "fysisk-aktiv",
        "fysisk",
        "Fysisk aktiv",
        "Kom ud og bevæg dig sammen med andre, i dit eget tempo.",
    ),
    (
        "hjaelp-og-raadgivning",
        "hjaelp",
        "Hjælp og rådgivning",
        "Når livet er svært: her kan du tale med nogen og få råd.",
    ),
]
# Words an entry's title has for each list (the first few published that match).
LIST_WORDS = {
    "mentalt-aktiv": ["læse", "sang", "kor", "kultur", "foredrag", "bog"],
    "socialt-aktiv": ["spisning", "café", "kaffe", "fælles", "hygge"],
    "fysisk-aktiv": ["gåtur", "motion", "gymnastik", "cykel", "dans", "svøm"],
    "hjaelp-og-raadgivning": ["samtale", "sorg", "pårørende", "rådgivning", "netværk"],
}
LIST_LINKS = {
    "hjaelp-og-raadgivning": [
        (
            "https://www.livslinien.dk/",
            "Livslinien",
            "Ring anonymt på 70 201 201, hvis du har tanker om selvmord.",
        ),
        (
            "https://www.aeldresagen.dk/",
            "Ældre Sagens rådgivning",
            "Råd om jura, økonomi og bolig for seniorer.",
        ),
    ],
    "mentalt-aktiv": [
        (
            "https://www.abcmentalsundhed.dk/",
            "ABC for mental sundhed",
            "Gør noget aktivt, gør noget sammen, gør noget meningsfuldt.",
        )
    ],
}

REQUESTS = [
    # name, phone, email, wish, area, state, days ago
    (
        "Else Marie Jørgensen",
        "21 43 65 87",
        "",
        "Jeg er blevet enke og sidder meget alene. Jeg vil gerne gå tur med nogen.",
        "hatting",
        RequestState.NEW,
        4,
    ),
    (
        "Mohammed Karimi",
        "",
        "mohammed.karimi@example.org",
        "Jeg er ny i Horsens og vil gerne lære folk at kende, måske gennem mad.",
        "horsens-midtby",
        RequestState.CONTACTED,
        3,
    ),
    (
        "Ruth Thomsen",
        "30 12 45 78",
        "",
        "Min far på 84 har brug for at komme ud blandt andre. Jeg skriver for ham.",
        "stensballe",
        RequestState.MATCHED,
        20,
    ),
]


def _account(email: str, name: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD, display_name=name)
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    DirectoryRole.objects.get_or_create(user=user, role=role)
    return user


def seed_directory_work(*, demo: DirectoryDemo, submitter: User) -> dict[str, Any]:
    """The second half of the demo directory (see the module's docstring).
    `submitter` is the demo member who submitted the waiting entries."""
    editor, coordinator_user = (_account(*spec) for spec in WORK_ACCOUNTS)
    now = timezone.now()
    _waiting(demo, submitter=submitter, now=now)
    _stale(demo, now=now)
    _lists(demo, editor=editor)
    _requests(demo, coordinator_user=coordinator_user, now=now)
    return {"editor": editor, "coordinator": coordinator_user}


def _waiting(demo: DirectoryDemo, *, submitter: User, now: dt.datetime) -> None:
    existing = set(Entry.objects.values_list("title", flat=True))
    for i, (title, organiser, area, kind, target, description) in enumerate(WAITING):
        if title in existing:
            continue
        entry = review.entry_submit(
            actor=submitter,
            proposed={
                "title": title,
                "description": description,
                "organiser_kind": "association",
                "organiser_name": organiser,
                "themes": ["sammen"],
                "activity_types": [demo.activity_types[kind].pk],
                "target_groups": [demo.target_groups[target].pk],
                "area": demo.areas[area].pk,
                "place_name": "",
                "address": "" if i == 1 else "Søndergade 1, 8700 Horsens",
                "rrule": "FREQ=WEEKLY;BYDAY=WE",
                "starts_on": timezone.localdate().isoformat(),
                "start_time": "10:00",
                "end_time": "12:00",
                "step_free": i % 2 == 0,
                "can_come_alone": True,
                "is_free": True,
                "contact_name": submitter.display_name,
                "contact_phone": "75 60 70 80",
                "contact_email": submitter.email,
                "dates": [],
            },
        )
        # Waiting a few days already, so the queue and its median look real.
        EntryChange.objects.filter(entry=entry).update(at=now - dt.timedelta(days=i + 1))
        Entry.objects.filter(pk=entry.pk).update(updated_at=now - dt.timedelta(days=i + 1))


def _stale(demo: DirectoryDemo, *, now: dt.datetime) -> None:
    """Three published entries past their six months: one not asked yet, one
    asked ten days ago, one hidden after a month without an answer."""
    if Entry.objects.filter(stale_hidden_at__isnull=False).exists():
        return
    candidates = [
        e
        for e in Entry.objects.filter(
            status=EntryStatus.PUBLISHED, group__isnull=True, dates__isnull=True
        ).order_by("title")
        # Not one the lists or the README's search example show.
        if not any(w in e.title.lower() for words in LIST_WORDS.values() for w in words)
        and "strik" not in e.title.lower()
    ][-3:]
    if len(candidates) < 3:
        return
    not_asked, asked, hidden = candidates
    Entry.objects.filter(pk=not_asked.pk).update(last_confirmed_at=now - dt.timedelta(days=200))
    Entry.objects.filter(pk=asked.pk).update(
        last_confirmed_at=now - dt.timedelta(days=195),
        confirm_asked_at=now - dt.timedelta(days=10),
    )
    Entry.objects.filter(pk=hidden.pk).update(
        last_confirmed_at=now - dt.timedelta(days=230),
        confirm_asked_at=now - dt.timedelta(days=40),
        status=EntryStatus.HIDDEN,
        stale_hidden_at=now - dt.timedelta(days=9),
    )
    EntryChange.objects.create(
        entry=hidden,
        action=ChangeAction.HIDDEN,
        summary="Skjult: ikke bekræftet 30 dage efter påmindelsen",
        at=now - dt.timedelta(days=9),
    )


def _lists(demo: DirectoryDemo, *, editor: User) -> None:
    published = list(
        Entry.objects.filter(status=EntryStatus.PUBLISHED, group__isnull=True).order_by("title")
    )
    for slug, theme, title, introduction in LISTS:
        if InspirationList.objects.filter(slug=slug).exists():
            continue
        lst = inspiration.list_create(
            actor=editor, theme=theme, title=title, introduction=introduction
        )
        InspirationList.objects.filter(pk=lst.pk).update(slug=slug)
        lst.refresh_from_db()
        words = LIST_WORDS[slug]
        chosen = [e for e in published if any(w in e.title.lower() for w in words)][:4]
        for entry in chosen:
            inspiration.item_add(actor=editor, lst=lst, entry=entry, text=entry.description[:140])
        for url, link_title, text in LIST_LINKS.get(slug, []):
            inspiration.item_add(actor=editor, lst=lst, url=url, link_title=link_title, text=text)


def _requests(demo: DirectoryDemo, *, coordinator_user: User, now: dt.datetime) -> None:
    done = set(CoordinatorRequest.objects.values_list("name", flat=True))
    match = (
        Entry.objects.filter(status=EntryStatus.PUBLISHED, title__icontains="gåtur")
        .order_by("title")
        .first()
    )
    for name, phone, email, wish, area, state, days_ago in REQUESTS:
        if name in done:
            continue
        request = coordinator.request_create(
            name=name,
            phone=phone.replace(" ", ""),
            email=email,
            call_time="any",
            wish=wish,
            area=demo.areas.get(area),
            on_behalf_of="Min far, Holger Thomsen" if name == "Ruth Thomsen" else "",
            on_behalf_consent=name == "Ruth Thomsen",
            consent=True,
        )
        created = now - dt.timedelta(days=days_ago)
        CoordinatorRequest.objects.filter(pk=request.pk).update(
            created_at=created,
            consent_given_at=created,
            due_on=coordinator.due_on(created),
        )
        request.refresh_from_db()
        if state in (RequestState.CONTACTED, RequestState.MATCHED):
            coordinator.request_move(
                actor=coordinator_user,
                request=request,
                state=RequestState.CONTACTED,
                note="Godt første opkald. Vi aftalte at finde noget i nærheden.",
            )
        if state == RequestState.MATCHED:
            coordinator.request_move(
                actor=coordinator_user, request=request, state=RequestState.MATCHED, entry=match
            )
