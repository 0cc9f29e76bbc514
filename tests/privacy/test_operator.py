"""A site operator makes the export of a member who cannot log in: into a
file, logged with the reason, recorded on the export; the member gets no link."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import User
from privacy.models import ExportRequest


@pytest.mark.django_db
def test_the_operator_writes_the_export_to_a_file_and_it_is_logged(
    member: User, tmp_path: Path, caplog: Any
) -> None:
    target = tmp_path / "mikkel.zip"
    with caplog.at_level(logging.WARNING, logger="privacy.operator"):
        call_command("privacy_export", member.email, reason="Sag 2026-117", output=str(target))
    assert "Sag 2026-117" in caplog.text and str(member.pk) in caplog.text
    assert "LÆS_MIG.txt" in zipfile.ZipFile(target).namelist()
    row = ExportRequest.objects.get(user=member)
    assert "Sag 2026-117" in row.operator_reason
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_operator_must_give_a_known_address(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("privacy_export", "ingen@example.org", reason="x", output=str(tmp_path / "x"))
