"""The plan's pages as people use them: who may open what, the forms, the messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from groups.models import Group
from posts.services import PhotoUpload
from scheduler import localtime, services
from scheduler.models import ScheduledPost, ScheduledState, Slot
from tests.conftest import LOGIN, MatrixRow, assert_answer, matrix_params
from tests.posts.conftest import image_bytes, upload
from tests.scheduler.conftest import local_dt

pytestmark = pytest.mark.django_db

NOW = local_dt(2026, 11, 24, 10, 0)  # a Tuesday


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(group: Group, staff: Any) -> dict[str, Any]:
    slot = services.slot_create(
        actor=staff,
        group=group,
        weekday=2,
        local_time=dt.time(14, 0),
        theme="sammen",
        title_hint="Del en god bog",
    )
    scheduled = services.scheduled_post_create(
        actor=staff,
        group=group,
        body="Ugens gåtur: find en bænk med udsigt.",
        theme="aktiv",
        publish_at=localtime.to_instant(dt.date(2026, 11, 26), dt.time(9, 0)),
    )
    return {"slot": slot, "scheduled": scheduled}


@pytest.fixture
def photo(group: Group, staff: Any) -> Any:
    """A photo waiting with a draft."""
    image = PhotoUpload(upload(image_bytes(), "a.jpg"), "Et billede")
    draft = services.scheduled_post_create(
        actor=staff, group=group, body="Med billede", photos=[image], draft=True
    )
    return draft.photos.get()


L = LOGIN
PLANNERS: tuple[Any, ...] = (L, 404, 404, 404, 403, 403)

# fmt: off
# Every plan URL is for the group's staff and administrators: members and
# moderators learn it exists (403), non-members do not (404).
MATRIX: list[MatrixRow] = [
    # url name               method   anon outs pend bann memb mod  + staff admin
    ("plan",                 "get",  (*PLANNERS, 200, 200)),  # this week
    ("plan-week",            "get",  (*PLANNERS, 200, 200)),
    ("plan-copy-week",       "get",  (*PLANNERS, 200, 200)),
    ("plan-copy-week",       "post", (*PLANNERS, 200, 200)),  # no target week: the form again
    ("plan-upcoming",        "get",  (*PLANNERS, 200, 200)),
    ("plan-post-create",     "get",  (*PLANNERS, 200, 200)),
    ("plan-post-create",     "post", (*PLANNERS, 200, 200)),  # no text: the form again
    ("plan-post",            "get",  (*PLANNERS, 200, 200)),
    ("plan-post-edit",       "get",  (*PLANNERS, 200, 200)),
    ("plan-post-cancel",     "get",  (*PLANNERS, 200, 200)),
    ("plan-post-cancel",     "post", (*PLANNERS, 302, 302)),
    ("plan-post-move",       "post", (*PLANNERS, 302, 302)),
    ("plan-post-duplicate",  "post", (*PLANNERS, 302, 302)),
    ("plan-photo",           "get",  (*PLANNERS, 200, 200)),
    ("plan-slots",           "get",  (*PLANNERS, 200, 200)),
    ("plan-slots",           "post", (*PLANNERS, 200, 200)),  # no time: the form again
    ("plan-slot-edit",       "get",  (*PLANNERS, 200, 200)),
    ("plan-slot-delete",     "get",  (*PLANNERS, 200, 200)),
    ("plan-slot-delete",     "post", (*PLANNERS, 302, 302)),
]
# fmt: on


def path_for(name: str, group: Group, world: dict[str, Any]) -> str:
    g, s, slot = group.slug, world["scheduled"].pk, world["slot"].pk
    args: dict[str, list[Any]] = {
        "plan-week": [g, 2026, 48],
        "plan-copy-week": [g, 2026, 48],
        "plan-post": [g, s],
        "plan-post-edit": [g, s],
        "plan-post-cancel": [g, s],
        "plan-post-move": [g, s],
        "plan-post-duplicate": [g, s],
        "plan-photo": [g, world.get("photo", 0), "thumb"],
        "plan-slot-edit": [g, slot],
        "plan-slot-delete": [g, slot],
    }
    return reverse(name, args=args.get(name, [g]))


def state_of() -> tuple[Any, ...]:
    return (
        sorted(ScheduledPost.objects.values_list("id", "state", "publish_at")),
        sorted(Slot.objects.values_list("id", "weekday", "local_time")),
    )


@pytest.mark.parametrize(("name", "method", "role", "expected"), matrix_params(MATRIX))
def test_plan_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    everyone: dict[str, Any],
    client_for: Any,
    group: Group,
    world: dict[str, Any],
    photo: Any,
) -> None:
    before = state_of()
    client = client_for(everyone[role])
    path = path_for(name, group, {**world, "photo": photo.pk})
    response = client.post(path) if method == "post" else client.get(path)
    assert_answer(response, expected, f"{role} {method} {name}")
    if response.streaming:  # the photo
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
        return
    body = response.content.decode()
    if response.status_code in (403, 404) or expected == L:
        assert "Ugens gåtur: find en bænk med udsigt." not in body
        assert state_of() == before, "a refused request changed the plan"


def test_a_missing_group_or_post_is_404(client_for: Any, staff: Any, group: Group) -> None:
    client = client_for(staff)
    assert client.get(reverse("plan", args=["findes-ikke"])).status_code == 404
    assert client.get(reverse("plan-post", args=[group.slug, 999])).status_code == 404
    assert client.get(reverse("plan-week", args=[group.slug, 2026, 60])).status_code == 404
    assert client.get(reverse("plan-photo", args=[group.slug, 1, "huge"])).status_code == 404


def test_week_view_shows_slots_posts_and_the_missing_theme(
    client_for: Any, staff: Any, group: Group, world: dict[str, Any]
) -> None:
    page = client_for(staff).get(reverse("plan", args=[group.slug])).content.decode()
    assert "Uge 48 (23. november – 29. november 2026)" in page
    assert "Ugens gåtur: find en bænk med udsigt." in page
    assert "Del en god bog" in page and "Ledig plads" in page
    assert "Planlæg et opslag her" in page
    assert "Ugen mangler opslag om:" in page and "Meningsfuld" in page
    assert "Ugeplan" in page  # the group tab
    # The same tabs as on the group's other pages (staff see the moderation queue).
    assert reverse("moderation-queue", args=[group.slug]) in page


def test_members_see_no_plan_tab_and_no_scheduled_post(
    client_for: Any, member: Any, group: Group, world: dict[str, Any]
) -> None:
    page = client_for(member).get(reverse("group-detail", args=[group.slug])).content.decode()
    assert "Ugeplan" not in page
    assert "Ugens gåtur" not in page


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "body": "Mandagens idé: ring til en, du ikke har talt med længe.",
        "theme": "sammen",
        "date": "2026-11-30",
        "time": "09:00",
        "place": "",
        "schedule": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_planning_a_post_into_a_slot(
    client_for: Any, staff: Any, group: Group, world: dict[str, Any]
) -> None:
    client = client_for(staff)
    slot: Slot = world["slot"]
    url = reverse("plan-post-create", args=[group.slug])
    form = client.get(url, {"dato": "2026-12-02", "tid": "14:00", "plads": slot.pk}).content
    assert b'value="2026-12-02"' in form and b'value="14:00"' in form
    assert b"### Del en god bog" in form
    response = client.post(
        url, form_data(date="2026-12-02", time="14:00", slot=slot.pk), follow=True
    )
    assert (
        "Opslaget er planlagt til onsdag 2. december 2026 kl. 14:00." in response.content.decode()
    )
    created = ScheduledPost.objects.latest("id")
    assert created.slot == slot and created.state == ScheduledState.SCHEDULED
    assert response.redirect_chain[-1][0] == reverse("plan-week", args=[group.slug, 2026, 49])


def test_bad_times_get_clear_messages_and_nothing_is_stored(
    client_for: Any, staff: Any, group: Group
) -> None:
    client = client_for(staff)
    url = reverse("plan-post-create", args=[group.slug])
    cases = [
        (form_data(date="2026-11-20"), "allerede passeret"),
        (form_data(date="2027-03-28", time="02:30"), "findes ikke"),
        (form_data(date="", time=""), "Vælg en dato."),
        (form_data(date="i morgen"), "Skriv datoen som"),
        (form_data(time="25:61"), "Skriv klokkeslættet som TT:MM"),
        (form_data(body=""), "Skriv teksten til opslaget."),
        (form_data(theme="glad"), "Vælg et af temaerne Aktiv, Sammen eller Meningsfuld."),
        (form_data(place="99999"), "Vælg et sted fra listen."),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert message in response.content.decode(), (data, message)
    assert not ScheduledPost.objects.exists()


def test_an_ambiguous_time_asks_which_one_and_then_plans_it(
    client_for: Any, staff: Any, group: Group
) -> None:
    client = client_for(staff)
    url = reverse("plan-post-create", args=[group.slug])
    data = form_data(date="2027-10-31", time="02:30")
    page = client.post(url, data).content.decode()
    assert "kommer to gange" in page
    assert "Hvilken af de to gange?" in page
    assert not ScheduledPost.objects.exists()
    client.post(url, {**data, "resolve": localtime.SECOND})
    created = ScheduledPost.objects.get()
    assert created.publish_at == dt.datetime(2027, 10, 31, 1, 30, tzinfo=dt.UTC)


def test_a_draft_without_time(client_for: Any, staff: Any, group: Group) -> None:
    response = client_for(staff).post(
        reverse("plan-post-create", args=[group.slug]),
        form_data(date="", time="", schedule=None, draft="1"),
        follow=True,
    )
    assert "Kladden er gemt" in response.content.decode()
    draft = ScheduledPost.objects.get()
    assert draft.state == ScheduledState.DRAFT and draft.publish_at is None
    assert "Kladder uden tidspunkt" in response.content.decode()


def test_preview_edit_move_cancel_duplicate(
    client_for: Any, staff: Any, admin: Any, group: Group, world: dict[str, Any]
) -> None:
    client = client_for(staff)
    s: ScheduledPost = world["scheduled"]
    page = client.get(reverse("plan-post", args=[group.slug, s.pk])).content.decode()
    assert "Sådan ser medlemmerne det" in page
    assert "<p>Ugens gåtur: find en bænk med udsigt.</p>" in page  # rendered Markdown
    assert "torsdag 26. november 2026 kl. 09:00" in page

    # Another staff member's edit in between: the stale form is refused.
    stale_version = s.version
    services.scheduled_post_update(
        actor=admin,
        scheduled=s,
        version=s.version,
        body="Admins tekst",
        theme="aktiv",
        publish_at=s.publish_at,
    )
    response = client.post(
        reverse("plan-post-edit", args=[group.slug, s.pk]),
        form_data(version=stale_version, date="2026-11-26"),
        follow=True,
    )
    assert "har ændret opslaget, mens du arbejdede på det" in response.content.decode()
    s.refresh_from_db()
    assert s.body == "Admins tekst"

    response = client.post(
        reverse("plan-post-move", args=[group.slug, s.pk]),
        {"date": "2026-12-03", "time": "10:30", "version": s.version},
        follow=True,
    )
    assert (
        "Opslaget er flyttet til torsdag 3. december 2026 kl. 10:30." in response.content.decode()
    )

    response = client.post(reverse("plan-post-duplicate", args=[group.slug, s.pk]), follow=True)
    assert "Der er lavet en kopi som kladde" in response.content.decode()
    assert ScheduledPost.objects.filter(state=ScheduledState.DRAFT).count() == 1

    s.refresh_from_db()
    response = client.post(
        reverse("plan-post-cancel", args=[group.slug, s.pk]), {"version": s.version}, follow=True
    )
    assert "Opslaget er annulleret" in response.content.decode()
    s.refresh_from_db()
    assert s.state == ScheduledState.CANCELLED


def test_copy_week_page(client_for: Any, staff: Any, group: Group, world: dict[str, Any]) -> None:
    client = client_for(staff)
    url = reverse("plan-copy-week", args=[group.slug, 2026, 48])
    assert "Kopiér Uge 48" in client.get(url).content.decode()
    response = client.post(url, {"target": "2026-11-30"}, follow=True)
    assert "1 opslag er kopieret til Uge 49" in response.content.decode()
    response = client.post(url, {"target": "2020-01-06"})
    assert "Vælg en af ugerne på listen." in response.content.decode()


def test_slots_page(client_for: Any, staff: Any, group: Group) -> None:
    client = client_for(staff)
    url = reverse("plan-slots", args=[group.slug])
    response = client.post(
        url,
        {"weekday": "0", "local_time": "09:00", "theme": "aktiv", "title_hint": "Gåtur"},
        follow=True,
    )
    assert "Den faste plads “Mandag 09:00 Aktiv” er oprettet." in response.content.decode()
    response = client.post(url, {"weekday": "9", "local_time": "9 om morgenen"})
    page = response.content.decode()
    assert "Vælg en ugedag fra mandag til søndag." in page
    assert "Skriv klokkeslættet som TT:MM" in page
    assert Slot.objects.count() == 1
    slot = Slot.objects.get()
    client.post(reverse("plan-slot-delete", args=[group.slug, slot.pk]))
    assert not Slot.objects.exists()


def test_upcoming_list_is_paginated(client_for: Any, staff: Any, group: Group) -> None:
    for i in range(30):
        services.scheduled_post_create(
            actor=staff,
            group=group,
            body=f"Opslag nummer {i}",
            publish_at=localtime.to_instant(dt.date(2026, 12, 1), dt.time(8, i)),
        )
    client = client_for(staff)
    first = client.get(reverse("plan-upcoming", args=[group.slug])).content.decode()
    assert "Opslag nummer 0" in first and "Opslag nummer 29" not in first
    assert "Side 1 af 2" in first
    second = client.get(reverse("plan-upcoming", args=[group.slug]), {"side": 2}).content.decode()
    assert "Opslag nummer 29" in second
