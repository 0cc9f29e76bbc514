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
