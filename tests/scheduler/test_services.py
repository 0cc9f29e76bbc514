"""The plan's services: permissions, bad input, publishing exactly once, failures."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image

from groups.models import Membership, Role
from posts import selectors as post_selectors
from posts import services as post_services
from posts.models import ContentState, FeedEvent, Post
from posts.services import PhotoUpload
from scheduler import localtime, publishing, selectors, services
from scheduler.models import ScheduledPhoto, ScheduledPost, ScheduledState, Slot
from tests.scheduler.conftest import local_dt

pytestmark = pytest.mark.django_db


def jpeg(name: str = "strik.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 80, 80)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def plan(actor: Any, group: Any, at: dt.datetime | None, **kwargs: Any) -> ScheduledPost:
    kwargs.setdefault("body", "Gå en tur i det gode vejr, og del et billede.")
    kwargs.setdefault("theme", "aktiv")
    return services.scheduled_post_create(actor=actor, group=group, publish_at=at, **kwargs)


# --- who may plan --------------------------------------------------------------------


def test_staff_and_admins_plan_members_and_moderators_may_not(
    group: Any,
    admin: Any,
    staff: Any,
    moderator: Any,
    member: Any,
    outsider: Any,
    tomorrow_9: dt.datetime,
) -> None:
    assert plan(staff, group, tomorrow_9).state == ScheduledState.SCHEDULED
    assert plan(admin, group, tomorrow_9).state == ScheduledState.SCHEDULED
    for person in (moderator, member):
        with pytest.raises(PermissionDenied):
            plan(person, group, tomorrow_9)
    with pytest.raises(Http404):
        plan(outsider, group, tomorrow_9)
    assert ScheduledPost.objects.count() == 2


def test_bad_input_is_refused_and_nothing_is_stored(
    group: Any, staff: Any, tomorrow_9: dt.datetime
) -> None:
    past = timezone.now() - dt.timedelta(minutes=1)
    cases = [
        ({"publish_at": past}, "passeret"),
        ({"publish_at": None}, "Vælg dato"),
        ({"publish_at": tomorrow_9, "body": "   "}, "Skriv noget"),
        ({"publish_at": tomorrow_9, "body": "x" * 10_001}, "for lang"),
        ({"publish_at": tomorrow_9, "theme": "sjov"}, "temaerne"),
        (
            {
                "publish_at": tomorrow_9,
                "photos": [PhotoUpload(SimpleUploadedFile("a.jpg", b"hej"))],
            },
            "a.jpg",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.scheduled_post_create(
                actor=staff,
                group=group,
                body=kwargs.pop("body", "Tekst"),
                theme=kwargs.pop("theme", ""),
                **kwargs,
            )
        assert message in " ".join(exc.value.messages)
    assert ScheduledPost.objects.count() == 0
    assert ScheduledPhoto.objects.count() == 0


def test_a_draft_needs_no_time(group: Any, staff: Any) -> None:
    draft = plan(staff, group, None, draft=True)
    assert draft.state == ScheduledState.DRAFT
    assert draft.publish_at is None


def test_slots_are_validated(group: Any, staff: Any, member: Any) -> None:
    slot = services.slot_create(
        actor=staff,
        group=group,
        weekday=0,
        local_time=dt.time(9, 0),
        theme="aktiv",
        title_hint="Ugens gåtur",
    )
    assert str(slot) == "Mandag 09:00 Aktiv"
    with pytest.raises(ValidationError, match="ugedag"):
        services.slot_create(actor=staff, group=group, weekday=7, local_time=dt.time(9, 0))
    with pytest.raises(ValidationError, match="TT:MM"):
        services.slot_create(actor=staff, group=group, weekday=1, local_time="25:00")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        services.slot_create(actor=member, group=group, weekday=1, local_time=dt.time(9, 0))
    services.slot_update(
        actor=staff, slot=slot, weekday=2, local_time=dt.time(14, 0), theme="meningsfuld"
    )
    slot.refresh_from_db()
    assert (slot.weekday, slot.local_time, slot.theme) == (2, dt.time(14, 0), "meningsfuld")
    services.slot_delete(actor=staff, slot=slot)
    assert not Slot.objects.exists()


# --- publishing ----------------------------------------------------------------------


def test_a_due_post_is_published_once_as_its_author_at_the_time_of_publishing(
    group: Any, staff: Any, member: Any
) -> None:
    due = local_dt(2026, 11, 30, 9, 0)
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        scheduled = plan(staff, group, due, photos=[PhotoUpload(jpeg(), "Røde masker")])
        assert publishing.publish_due() == 0  # not due yet
    assert not Post.objects.exists()
    published_at = local_dt(2026, 11, 30, 9, 0, 7)
    with time_machine.travel(published_at, tick=False):
        assert publishing.publish_due() == 1
        assert publishing.publish_due() == 0
    scheduled.refresh_from_db()
    post = Post.objects.get()
    assert scheduled.state == ScheduledState.PUBLISHED
    assert scheduled.post == post
    assert post.author == staff
    assert post.created_at == published_at  # the time it was published, not written
    assert scheduled.published_at == published_at
    assert scheduled.delay == 7
    assert post.theme == "aktiv" and post.state == ContentState.VISIBLE
    assert [i.alt_text for i in post.images.all()] == ["Røde masker"]
    assert FeedEvent.objects.filter(kind="post.created", post=post).count() == 1
    page = post_selectors.feed(viewer=member, group=group)
    assert [p.pk for p in page.posts] == [post.pk]


def test_posts_that_fell_due_while_nothing_ran_are_published_with_the_delay_recorded(
    group: Any, staff: Any
) -> None:
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        rows = [plan(staff, group, local_dt(2026, 11, 21, 9, m)) for m in range(3)]
    with time_machine.travel(local_dt(2026, 11, 21, 10, 0), tick=False):
        assert publishing.publish_due() == 3
    for row in rows:
        row.refresh_from_db()
        assert row.state == ScheduledState.PUBLISHED
        assert row.delay is not None and row.delay >= 57 * 60
    # Published in the order they were due.
    assert list(Post.objects.order_by("id").values_list("scheduled__id", flat=True)) == [
        r.pk for r in rows
    ]


def test_drafts_and_cancelled_posts_are_never_published(group: Any, staff: Any) -> None:
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        plan(staff, group, local_dt(2026, 11, 21, 9, 0), draft=True)
        cancelled = plan(staff, group, local_dt(2026, 11, 21, 9, 0))
        services.scheduled_post_cancel(actor=staff, scheduled=cancelled)
    with time_machine.travel(local_dt(2026, 11, 22, 12, 0), tick=False):
        assert publishing.publish_due() == 0
    assert not Post.objects.exists()


def test_author_who_lost_the_staff_role_fails_with_reason_and_staff_are_told(
    group: Any,
    staff: Any,
    admin: Any,
    mail_outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        scheduled = plan(staff, group, local_dt(2026, 11, 21, 9, 0))
    Membership.objects.filter(user=staff, group=group).update(role=Role.MEMBER)
    with (
        time_machine.travel(local_dt(2026, 11, 21, 9, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert publishing.publish_due() == 1
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduledState.FAILED
    assert "ikke længere medarbejder" in scheduled.failure_reason
    assert not Post.objects.exists()
    recipients = sorted(m.to[0] for m in mail_outbox)
    assert recipients == sorted([staff.email, admin.email])
    assert "kunne ikke udgives" in mail_outbox[0].subject
    assert scheduled.failure_reason in mail_outbox[0].body
    # Shown in the plan.
    assert selectors.failed_for_group(group=group) == [scheduled]


def test_a_deleted_group_or_subgroup_fails_the_post(
    group: Any,
    staff: Any,
    subgroup: Any,
    mail_outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from groups.models import SubGroupMembership, SubGroupMembershipStatus

    SubGroupMembership.objects.create(
        subgroup=subgroup, user=staff, status=SubGroupMembershipStatus.ACTIVE
    )
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        in_sub = plan(staff, group, local_dt(2026, 11, 21, 9, 0), subgroup=subgroup)
    subgroup.delete()
    with time_machine.travel(local_dt(2026, 11, 21, 9, 1), tick=False):
        publishing.publish_due()
    in_sub.refresh_from_db()
    assert in_sub.state == ScheduledState.FAILED
    assert "Undergruppen findes ikke" in in_sub.failure_reason

    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        in_group = plan(staff, group, local_dt(2026, 11, 21, 9, 0))
    group.delete()
    with (
        time_machine.travel(local_dt(2026, 11, 21, 9, 2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        publishing.publish_due()
    in_group.refresh_from_db()
    assert in_group.state == ScheduledState.FAILED
    assert "Gruppen findes ikke" in in_group.failure_reason
    assert staff.email in [m.to[0] for m in mail_outbox]


def test_a_muted_author_fails_with_the_posts_reason(group: Any, staff: Any) -> None:
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        scheduled = plan(staff, group, local_dt(2026, 11, 21, 9, 0))
    Membership.objects.filter(user=staff, group=group).update(
        muted_until=local_dt(2026, 12, 1, 0, 0)
    )
    with time_machine.travel(local_dt(2026, 11, 21, 9, 1), tick=False):
        publishing.publish_due()
    scheduled.refresh_from_db()
    assert scheduled.state == ScheduledState.FAILED
    assert "pause" in scheduled.failure_reason


# --- editing ---------------------------------------------------------------------------


def test_two_staff_editing_the_same_post_the_second_is_told(
    group: Any, staff: Any, admin: Any, tomorrow_9: dt.datetime
) -> None:
    scheduled = plan(staff, group, tomorrow_9)
    seen = scheduled.version
    services.scheduled_post_update(
        actor=admin,
        scheduled=scheduled,
        version=seen,
        body="Admins udgave",
        theme="sammen",
        publish_at=tomorrow_9,
    )
    with pytest.raises(ValidationError) as exc:
        services.scheduled_post_update(
            actor=staff,
            scheduled=scheduled,
            version=seen,
            body="Min udgave",
            theme="",
            publish_at=tomorrow_9,
        )
    assert exc.value.error_list[0].code == "stale"
    assert admin.display_name in exc.value.messages[0]
    scheduled.refresh_from_db()
    assert scheduled.body == "Admins udgave"


def test_a_published_post_cannot_be_edited_moved_or_cancelled_here(group: Any, staff: Any) -> None:
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        scheduled = plan(staff, group, local_dt(2026, 11, 21, 9, 0))
    with time_machine.travel(local_dt(2026, 11, 21, 9, 1), tick=False):
        publishing.publish_due()
        scheduled.refresh_from_db()
        later = local_dt(2026, 11, 28, 9, 0)
        for call in (
            lambda: services.scheduled_post_move(
                actor=staff, scheduled=scheduled, version=None, publish_at=later
            ),
            lambda: services.scheduled_post_cancel(actor=staff, scheduled=scheduled),
            lambda: services.scheduled_post_update(
                actor=staff, scheduled=scheduled, version=None, body="Ny", publish_at=later
            ),
        ):
            with pytest.raises(ValidationError, match="allerede udgivet"):
                call()
    assert Post.objects.count() == 1


def test_photos_can_be_added_and_removed_when_editing(
    group: Any, staff: Any, tomorrow_9: dt.datetime
) -> None:
    scheduled = plan(staff, group, tomorrow_9, photos=[PhotoUpload(jpeg("a.jpg"), "A")])
    first = scheduled.photos.get()
    services.scheduled_post_update(
        actor=staff,
        scheduled=scheduled,
        version=scheduled.version,
        body="Tekst",
        publish_at=tomorrow_9,
        add_photos=[PhotoUpload(jpeg("b.jpg"), "B")],
        remove_photo_ids=[first.pk],
    )
    assert [p.alt_text for p in scheduled.photos.all()] == ["B"]


def test_moving_keeps_the_slot_only_at_the_slots_time(group: Any, staff: Any) -> None:
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        slot = services.slot_create(actor=staff, group=group, weekday=0, local_time=dt.time(9, 0))
        scheduled = plan(staff, group, local_dt(2026, 11, 23, 9, 0), slot=slot)
        moved = services.scheduled_post_move(
            actor=staff,
            scheduled=scheduled,
            version=scheduled.version,
            publish_at=local_dt(2026, 11, 30, 9, 0),
        )
        assert moved.slot == slot  # next Monday 09:00: still the slot
        moved = services.scheduled_post_move(
            actor=staff,
            scheduled=moved,
            version=moved.version,
            publish_at=local_dt(2026, 11, 30, 10, 0),
        )
        assert moved.slot is None


def test_duplicate_makes_a_draft_a_week_later_with_the_photos(
    group: Any, staff: Any, tomorrow_9: dt.datetime
) -> None:
    scheduled = plan(staff, group, tomorrow_9, photos=[PhotoUpload(jpeg(), "Billede")])
    copy = services.scheduled_post_duplicate(actor=staff, scheduled=scheduled)
    assert copy.state == ScheduledState.DRAFT
    assert copy.body == scheduled.body and copy.theme == scheduled.theme
    assert localtime.local(copy.publish_at).time() == dt.time(9, 0)
    assert (localtime.local(copy.publish_at).date() - localtime.local(tomorrow_9).date()).days == 7
    photo = copy.photos.get()
    assert photo.alt_text == "Billede"
    assert photo.image.name != scheduled.photos.get().image.name


# --- copying a week across a DST change ------------------------------------------------


def test_copying_a_week_keeps_wall_clock_times_across_the_autumn_change(
    group: Any, staff: Any
) -> None:
    with time_machine.travel(local_dt(2026, 10, 1, 12, 0), tick=False):
        monday = dt.date(2026, 10, 19)  # summer time
        plan(staff, group, local_dt(2026, 10, 19, 9, 0), theme="aktiv")
        plan(staff, group, local_dt(2026, 10, 21, 14, 0), theme="meningsfuld", draft=True)
        cancelled = plan(staff, group, local_dt(2026, 10, 22, 10, 0))
        services.scheduled_post_cancel(actor=staff, scheduled=cancelled)
        copies, skipped = services.week_copy(
            actor=staff, group=group, source_monday=monday, target_monday=dt.date(2026, 10, 26)
        )
    assert skipped == []
    assert len(copies) == 2
    by_theme = {c.theme: c for c in copies}
    # 09:00 local is 07:00 UTC in summer and 08:00 UTC in winter.
    assert by_theme["aktiv"].publish_at == dt.datetime(2026, 10, 26, 8, 0, tzinfo=dt.UTC)
    assert by_theme["aktiv"].state == ScheduledState.SCHEDULED
    assert by_theme["meningsfuld"].state == ScheduledState.DRAFT
    assert localtime.local(by_theme["meningsfuld"].publish_at).time() == dt.time(14, 0)


def test_copy_week_refuses_an_earlier_week_and_an_empty_week(group: Any, staff: Any) -> None:
    with pytest.raises(ValidationError, match="senere uge"):
        services.week_copy(
            actor=staff,
            group=group,
            source_monday=dt.date(2026, 11, 30),
            target_monday=dt.date(2026, 11, 23),
        )
    with pytest.raises(ValidationError, match="ingen opslag"):
        services.week_copy(
            actor=staff,
            group=group,
            source_monday=dt.date(2027, 1, 4),
            target_monday=dt.date(2027, 1, 11),
        )


# --- the week view ---------------------------------------------------------------------


def test_week_plan_shows_open_slots_filled_slots_and_theme_balance(group: Any, staff: Any) -> None:
    with time_machine.travel(local_dt(2026, 10, 20, 8, 0), tick=False):
        monday_slot = services.slot_create(
            actor=staff, group=group, weekday=0, local_time=dt.time(9, 0), theme="aktiv"
        )
        services.slot_create(
            actor=staff, group=group, weekday=6, local_time=dt.time(2, 30), theme="sammen"
        )
        plan(staff, group, local_dt(2026, 10, 26, 9, 0), slot=monday_slot, theme="aktiv")
        # Sunday of the fall-back week, after the change.
        plan(staff, group, local_dt(2026, 10, 25, 12, 0), theme="sammen")
        week = selectors.week_plan(group=group, monday=dt.date(2026, 10, 19))
        next_week = selectors.week_plan(group=group, monday=dt.date(2026, 10, 26))
    sunday = week.days[6]
    assert sunday.date == dt.date(2026, 10, 25)
    kinds = [(e.at, bool(e.scheduled), bool(e.slot)) for e in sunday.entries]
    assert kinds == [(dt.time(2, 30), False, True), (dt.time(12, 0), True, False)]
    assert week.days[0].entries[0].slot == monday_slot  # open slot, in the past
    assert week.days[0].entries[0].in_past
    balance = {t.value: (t.planned, t.missing) for t in week.balance}
    assert balance == {"aktiv": (0, True), "sammen": (1, False), "meningsfuld": (0, True)}
    # Next week the Monday slot is filled by the planned post: no open slot shown.
    monday = next_week.days[0].entries
    assert [(e.at, e.scheduled is not None) for e in monday] == [(dt.time(9, 0), True)]


def test_a_missing_photo_file_fails_the_row_and_does_not_block_the_next(
    group: Any, staff: Any
) -> None:
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        broken = plan(staff, group, local_dt(2026, 11, 21, 9, 0), photos=[PhotoUpload(jpeg())])
        fine = plan(staff, group, local_dt(2026, 11, 21, 9, 1))
    photo = broken.photos.get()
    photo.image.storage.delete(photo.image.name)
    with time_machine.travel(local_dt(2026, 11, 21, 9, 5), tick=False):
        assert publishing.publish_due() == 2
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.state == ScheduledState.FAILED
    assert "billederne" in broken.failure_reason
    assert fine.state == ScheduledState.PUBLISHED
    assert Post.objects.count() == 1


def test_any_error_while_publishing_fails_only_that_row(
    group: Any, staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        broken = plan(staff, group, local_dt(2026, 11, 21, 9, 0), body="Dette opslag fejler")
        fine = plan(staff, group, local_dt(2026, 11, 21, 9, 1), body="Dette opslag lykkes")
    real_render = post_services.render_markdown

    def render(text: str) -> str:  # a bug that only this text meets, in bulk or alone
        if text == "Dette opslag fejler":
            raise RuntimeError("a bug")
        return real_render(text)

    monkeypatch.setattr(post_services, "render_markdown", render)
    with time_machine.travel(local_dt(2026, 11, 21, 9, 5), tick=False):
        assert publishing.publish_due() == 2
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.state == ScheduledState.FAILED
    assert "teknisk fejl" in broken.failure_reason
    assert fine.state == ScheduledState.PUBLISHED


def test_a_tick_that_finds_a_backlog_shares_it_out(group: Any, staff: Any) -> None:
    """Celery runs eagerly here: the helper ticks run inline and publish the
    backlog; every row still ends published exactly once."""
    from scheduler import tasks

    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        rows = [plan(staff, group, local_dt(2026, 11, 21, 9, 0)) for _ in range(25)]
    with time_machine.travel(local_dt(2026, 11, 21, 9, 1), tick=False):
        tasks.publish_due()
        assert tasks.publish_due() == 0
    assert Post.objects.count() == len(rows)
    assert ScheduledPost.objects.filter(state=ScheduledState.PUBLISHED).count() == len(rows)


def test_a_post_at_a_slots_time_fills_the_slot_however_it_was_planned(
    group: Any, staff: Any
) -> None:
    with time_machine.travel(local_dt(2026, 11, 20, 12, 0), tick=False):
        slot = services.slot_create(
            actor=staff, group=group, weekday=0, local_time=dt.time(9, 0), theme="aktiv"
        )
        scheduled = plan(staff, group, local_dt(2026, 11, 23, 9, 0))  # no slot given
        assert scheduled.slot == slot
        week = selectors.week_plan(group=group, monday=dt.date(2026, 11, 23))
    monday = week.days[0].entries
    assert [(e.scheduled is not None, e.slot is not None) for e in monday] == [(True, False)]
