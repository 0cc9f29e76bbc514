"""Danish first, English second, compiled by the project's own command."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[1]


def test_compiletranslations_writes_mo_files_without_gnu_gettext(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    for mo in (tmp_path / "locale").glob("*/LC_MESSAGES/*.mo"):
        mo.unlink()
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("compiletranslations", verbosity=0)
    english = polib.mofile(str(tmp_path / "locale/en/LC_MESSAGES/django.mo"))
    assert english.find("Find grupper").msgstr == "Find groups"


def test_compiletranslations_fails_clearly_without_catalogues(tmp_path: Path) -> None:
    with override_settings(LOCALE_PATHS=[tmp_path]), pytest.raises(CommandError):
        call_command("compiletranslations", verbosity=0)


@pytest.mark.django_db
def test_pages_are_danish_whatever_the_browser_asks_for(client: Any) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "da"
    assert "Opret konto" in response.content.decode()


@pytest.mark.django_db
def test_the_language_switcher_gives_english(client: Any) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Create account" in body
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_dates_follow_the_readers_language(client_for: Any, member: Any, group: Any) -> None:
    """A post's time: "22. november 2026 13:24" on a Danish page, "November 22,
    2026, 13:24" on an English one (sammen/dates.py), in Copenhagen time."""
    from datetime import UTC, datetime

    from posts import services
    from posts.models import Post

    post = services.post_create(actor=member, group=group, body="Tur i skoven")
    Post.objects.filter(pk=post.pk).update(created_at=datetime(2026, 11, 22, 12, 24, tzinfo=UTC))
    client = client_for(member)
    url = f"/groups/{group.slug}/posts/{post.pk}/"
    assert "22. november 2026 13:24" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "November 22, 2026, 13:24" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("da", "22. nov 2026 13:24"), ("en", "Nov 22, 2026, 13:24")],
)
def test_short_dates_write_the_month_as_the_language_does(language: str, expected: str) -> None:
    """Django's "M" gives "Nov" in Danish too; Danish writes "nov"."""
    from datetime import UTC, datetime

    from django.utils import formats, timezone, translation

    from sammen.dates import format_for

    moment = timezone.localtime(datetime(2026, 11, 22, 12, 24, tzinfo=UTC))
    with translation.override(language):
        assert formats.date_format(moment, format_for("short_datetime")) == expected


@pytest.mark.django_db
def test_a_paused_members_message_gives_the_local_time(member: Any, group: Any) -> None:
    from datetime import UTC, datetime

    from django.core.exceptions import ValidationError

    from groups.models import Membership
    from posts import permissions

    Membership.objects.filter(user=member, group=group).update(
        muted_until=datetime(2099, 1, 5, 9, 30, tzinfo=UTC)
    )
    with pytest.raises(ValidationError) as caught:
        permissions.require_write_place(member, group, None)
    assert "5. januar 2099 10:30" in caught.value.messages[0]  # CET is UTC+1 in January
