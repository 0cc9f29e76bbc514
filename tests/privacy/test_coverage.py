"""Every table is accounted for, and the export holds every row the member
owns in every app (compared with the database, table by table)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from accounts.models import User
from privacy import registry, services
from privacy.export import exported_sources
from privacy.sources import BY_MODEL, SOURCES
from privacy.storage import export_storage
from tests.privacy.conftest import OTHER_NAME, json_file, open_zip


def test_every_model_is_in_the_registry_or_on_the_anonymous_list() -> None:
    """A model added later without export and erasure coverage fails here:
    it must get a Source (privacy/sources.py) or a reason in ANONYMOUS."""
    missing = [
        registry.label(model)
        for model in registry.all_models()
        if registry.label(model) not in BY_MODEL and registry.label(model) not in registry.ANONYMOUS
    ]
    assert missing == []


def test_no_model_is_both_personal_and_anonymous() -> None:
    assert set(BY_MODEL) & set(registry.ANONYMOUS) == set()


def test_every_source_says_what_erasure_does_and_why_it_is_not_exported() -> None:
    for source in SOURCES:
        assert source.erase, source.model
        assert source.file or source.why_not, source.model
        if source.file:
            assert source.columns is not None and source.title, source.model


def build(member: User) -> Any:
    row = services.export_request(actor=member)
    services.export_build(export_id=row.pk)
    row.refresh_from_db()
    assert row.state == "ready"
    return open_zip(export_storage().open(row.file_name).read())


@pytest.mark.django_db
def test_the_export_holds_every_row_the_member_owns_in_every_table(
    rich: dict[str, Any], member: User
) -> None:
    archive = build(member)
    for source in exported_sources():
        in_db = source.ids(member)
        assert in_db, f"the fixture has no {source.model} row: the test would prove nothing"
        exported = {row["id"] for row in json_file(archive, source.file)}  # type: ignore[arg-type]
        assert exported == in_db, source.model
        # The CSV (Danish Excel: UTF-8 with BOM, ';') holds the same rows.
        text = archive.read(f"{source.file}.csv").decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
        assert {int(r["id"]) for r in rows} == in_db, source.model


@pytest.mark.django_db
def test_the_export_has_every_version_state_photo_and_score(
    rich: dict[str, Any], member: User
) -> None:
    archive = build(member)
    posts = {p["id"]: p for p in json_file(archive, "opslag")}
    assert posts[rich["hidden"].pk]["tilstand"] == "Skjult, afventer gennemgang"
    assert posts[rich["held"].pk]["tilstand"] == "Afventer godkendelse"
    earlier = json_file(archive, "opslag_tidligere_versioner")
    assert earlier[0]["tekst_foer_rettelsen"] == rich["post"].body.rstrip("!")
    photos = json_file(archive, "billeder")
    assert photos[0]["billedbeskrivelse"] == "Æblekagen på bordet"
    assert archive.read(photos[0]["fil"])[:2] == b"\xff\xd8"  # the stored JPEG itself
    scores = json_file(archive, "trivsel_svar")
    assert scores[0]["score_0_100"] == (3 + 4 + 2 + 5 + 1) * 4
    readme = archive.read("LÆS_MIG.txt").decode()
    for words in ("Dataansvarlig", "Hvor længe vi gemmer", "Hvem modtager", "Datatilsynet"):
        assert words in readme


@pytest.mark.django_db
def test_other_people_are_masked_but_for_authors_the_member_can_read(
    rich: dict[str, Any], member: User, other: User, admin: User, moderator: User
) -> None:
    archive = build(member)
    everything = " ".join(
        archive.read(name).decode("utf-8", "replace")
        for name in archive.namelist()
        if name.endswith(".json")
    )
    # Moderators and whoever decided are never named.
    assert moderator.display_name not in everything
    assert admin.display_name not in everything
    # The other member is named only as the author of a post a notification is
    # about, which the member can read in the group today.
    notes = json_file(archive, "beskeder")
    named = [n for n in notes if OTHER_NAME in (n["opslagets_forfatter"], n["fra"])]
    for note in named:
        assert note["opslag_id"] == rich["theirs"].pk
    assert everything.count(OTHER_NAME) == sum(
        (n["opslagets_forfatter"] == OTHER_NAME) + (n["fra"] == OTHER_NAME) for n in notes
    )
