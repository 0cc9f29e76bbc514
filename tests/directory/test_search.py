"""Danish full-text search, on whichever database the suite runs against (CI
runs it on PostgreSQL and on SQLite): stemming, prefixes, typos, å kept apart
from a, and input that is not a search at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from directory import search, selectors, services
from directory.models import Entry


def found(query: str, **filters: Any) -> list[str]:
    return [e.title for e in selectors.directory_find(query=query, filters=filters).entries]


@pytest.fixture
def entries(make_entry: Callable[..., Entry]) -> dict[str, Entry]:
    return {
        "walk": make_entry(
            "Gåtur langs fjorden",
            description="En rolig gåtur hver tirsdag. Vi går i eget tempo.",
            types=("gaatur",),
        ),
        "dinner": make_entry(
            "Fællesspisning i Medborgerhuset",
            description="Vi laver mad sammen og spiser sammen. Alle er velkomne.",
            types=("mad",),
        ),
        "knit": make_entry(
            "Strikkeklubben",
            description="Strik, kaffe og snak for seniorer i Horsens.",
            types=("strik",),
            targets=("seniorer",),
            address="Borgergade 5, 8700 Horsens",
        ),
        "ar": make_entry("Ar og sår", description="Samtalegruppe om ar efter operation."),
    }


def test_search_runs_on_the_database_under_test(db: None) -> None:
    # The same tests run on both backends in CI; say which one this was.
    assert connection.vendor in {"postgresql", "sqlite"}


@pytest.mark.django_db
def test_plural_finds_singular(entries: dict[str, Entry]) -> None:
    assert found("gåture") == ["Gåtur langs fjorden"]


@pytest.mark.django_db
def test_inflected_compound_finds_base_form(entries: dict[str, Entry]) -> None:
    assert found("fællesspisninger") == ["Fællesspisning i Medborgerhuset"]


@pytest.mark.django_db
def test_typo_still_finds(entries: dict[str, Entry]) -> None:
    finding = selectors.directory_find(query="fælesspisning", filters={})
    assert [e.title for e in finding.entries] == ["Fællesspisning i Medborgerhuset"]
    assert finding.fuzzy


@pytest.mark.django_db
def test_prefix_finds_compound(entries: dict[str, Entry]) -> None:
    assert found("strik") == ["Strikkeklubben"]


@pytest.mark.django_db
def test_a_ring_is_not_a(entries: dict[str, Entry], make_entry: Callable[..., Entry]) -> None:
    make_entry("Hvert år i juni", description="Sommerfest.")
    assert found("år") == ["Hvert år i juni"]
    assert "Ar og sår" not in found("år")


@pytest.mark.django_db
def test_whole_sentence_finds_the_knitting_club(entries: dict[str, Entry]) -> None:
    assert found("strikkeklub i Horsens for seniorer") == ["Strikkeklubben"]


@pytest.mark.django_db
def test_title_ranks_above_description(make_entry: Callable[..., Entry]) -> None:
    make_entry("Kor for alle", description="Vi synger sammen.")
    make_entry("Sangaften", description="Et kor kommer forbi og synger.")
    assert found("kor")[0] == "Kor for alle"


@pytest.mark.django_db
def test_edit_is_found_at_once(entries: dict[str, Entry]) -> None:
    services.entry_update(actor=None, entry=entries["walk"], title="Vandretur i skoven")
    assert found("vandretur") == ["Vandretur i skoven"]
    assert found("fjorden") == []


@pytest.mark.django_db
def test_hidden_entries_are_not_found(entries: dict[str, Entry]) -> None:
    services.entry_update(actor=None, entry=entries["knit"], status="hidden")
    assert found("strik") == []


@pytest.mark.django_db
def test_deleted_entry_leaves_no_search_row(entries: dict[str, Entry]) -> None:
    entries["knit"].delete()
    assert found("strik") == []


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["!!! ??? ***", "x" * 10_000, '" OR * NEAR( : -', "'; DROP"])
def test_odd_input_is_no_error(entries: dict[str, Entry], query: str) -> None:
    selectors.directory_find(query=query, filters={})


def test_query_terms_drop_stop_words_and_symbols() -> None:
    assert search.query_terms("strikkeklub i Horsens for seniorer!!") == [
        "strikkeklub",
        "horsens",
        "seniorer",
    ]
    assert search.query_terms("*** ???") == []
    assert len(search.query_terms(" ".join(f"ord{i}" for i in range(50)))) == search.MAX_TERMS
