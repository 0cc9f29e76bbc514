"""The public pages: search with filters and their counts, bad input, the entry
page and its print, the calendar, the .ics files and favourites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from directory.models import Entry, EntryDate, Favourite, SearchStat
from sammen.themes import Theme

HOME = "/faellesskaber/"
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _monday() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def some(make_entry: Callable[..., Entry]) -> dict[str, Entry]:
    return {
        "knit": make_entry(
            "Strikkeklubben",
            description="Strik og kaffe for seniorer.",
            area="midtby",
            types=("strik",),
            targets=("seniorer",),
            rrule="FREQ=WEEKLY;BYDAY=TU",
            can_come_alone=True,
            step_free=True,
            themes=[Theme.SAMMEN],
        ),
        "walk": make_entry(
            "Gåtur i Hatting",
            area="hatting",
            types=("gaatur",),
            targets=("alle",),
            rrule="FREQ=WEEKLY;BYDAY=TH",
            start_time=dt.time(18, 0),
            end_time=dt.time(19, 30),
            themes=[Theme.AKTIV],
        ),
        "dinner": make_entry(
            "Fællesspisning",
            area="gedved",
            types=("mad",),
            targets=("alle", "seniorer"),
            is_free=False,
            price_ore=4000,
            dates=[(dt.date(2026, 12, 12), dt.time(17, 30), dt.time(20, 0))],
            themes=[Theme.SAMMEN, Theme.MENINGSFULD],
        ),
    }


def titles(response: Any) -> list[str]:
    return [e.title for e in response.context["finding"].entries]


@pytest.mark.django_db
def test_front_page_lists_published_entries_without_login(
    client: Client, some: dict[str, Entry], make_entry: Callable[..., Entry]
) -> None:
    make_entry("Kladden", status="draft")
    response = client.get(HOME)
    assert response.status_code == 200
    assert titles(response) == ["Fællesspisning", "Gåtur i Hatting", "Strikkeklubben"]
    assert "Kladden" not in response.content.decode()
    assert reverse("directory-coordinator-request") in response.content.decode()


@pytest.mark.django_db
def test_filters_combine(client: Client, some: dict[str, Entry]) -> None:
    assert titles(client.get(HOME, {"maalgruppe": "seniorer"})) == [
        "Fællesspisning",
        "Strikkeklubben",
    ]
    assert titles(client.get(HOME, {"maalgruppe": "seniorer", "gratis": "on"})) == [
        "Strikkeklubben"
    ]
    assert titles(client.get(HOME, {"dag": "4"})) == ["Gåtur i Hatting"]  # torsdag
    assert titles(client.get(HOME, {"tid": "aften"})) == ["Fællesspisning", "Gåtur i Hatting"]
    assert titles(client.get(HOME, {"tema": "sammen", "omraade": "gedved"})) == ["Fællesspisning"]
    assert titles(client.get(HOME, {"alene": "on", "trinfri": "on"})) == ["Strikkeklubben"]
    assert titles(client.get(HOME, {"type": "gaatur", "q": "hatting"})) == ["Gåtur i Hatting"]


@pytest.mark.django_db
def test_age_filter_respects_the_age_band(client: Client, make_entry: Callable[..., Entry]) -> None:
    make_entry("Ungdomsklub", min_age=13, max_age=17)
    make_entry("Seniordans", min_age=60)
    make_entry("For alle aldre")
    assert titles(client.get(HOME, {"alder": "15"})) == ["For alle aldre", "Ungdomsklub"]
    assert titles(client.get(HOME, {"alder": "70"})) == ["For alle aldre", "Seniordans"]


@pytest.mark.django_db
def test_new_this_month(client: Client, some: dict[str, Entry]) -> None:
    Entry.objects.filter(pk=some["walk"].pk).update(published_at=NOW - dt.timedelta(days=40))
    assert "Gåtur i Hatting" not in titles(client.get(HOME, {"nyt": "on"}))
    assert len(titles(client.get(HOME, {"nyt": "on"}))) == 2


@pytest.mark.django_db
def test_each_filter_value_shows_how_many_it_would_leave(
    client: Client, some: dict[str, Entry]
) -> None:
    facets = client.get(HOME, {"maalgruppe": "seniorer"}).context["finding"].facets
    # Within seniors: one in midtby, one in Gedved.
    assert facets["omraade"] == {"midtby": 1, "gedved": 1}
    # The target group's own counts ignore its own choice.
    assert facets["maalgruppe"] == {"alle": 2, "seniorer": 2}
    assert facets["gratis"] == {"on": 1}
    assert facets["tema"] == {"aktiv": 0, "sammen": 2, "meningsfuld": 1}
    assert facets["dag"]["2"] == 1 and facets["dag"]["6"] == 1  # tirsdag, lørdag
    body = client.get(HOME, {"maalgruppe": "seniorer"}).content.decode()
    assert "Hatting (0)" in body and "Gedved (1)" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"omraade": "atlantis"}, "Den værdi kender vi ikke"),
        ({"dag": "9"}, "Den værdi kender vi ikke"),
        ({"alder": "gammel"}, "Skriv alderen som et tal"),
        ({"alder": "-4"}, "Alderen skal være mellem 0 og 120"),
        ({"q": "x" * 10_000}, "Søgningen er for lang"),
        ({"q": "!!! ??? ***"}, "Skriv mindst ét ord"),
        ({"side": "abc"}, ""),
        ({"side": "999999999999"}, ""),
    ],
)
def test_bad_input_gives_a_danish_message(
    client: Client, some: dict[str, Entry], params: dict[str, str], message: str
) -> None:
    response = client.get(HOME, params)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.django_db
def test_unknown_filter_is_dropped_and_the_rest_applies(
    client: Client, some: dict[str, Entry]
) -> None:
    assert titles(client.get(HOME, {"omraade": "atlantis", "type": "gaatur"})) == [
        "Gåtur i Hatting"
    ]


@pytest.mark.django_db
def test_results_show_the_next_date(client: Client, some: dict[str, Entry]) -> None:
    body = client.get(HOME, {"q": "strikkeklubben"}).content.decode()
    assert "tirsdag 8. december" in body  # the Tuesday after Monday 7 December


@pytest.mark.django_db
def test_pagination_keeps_the_search(client: Client, make_entry: Callable[..., Entry]) -> None:
    for i in range(25):
        make_entry(f"Gåtur nummer {i:02d}", types=("gaatur",))
    response = client.get(HOME, {"type": "gaatur"})
    assert len(titles(response)) == 20
    assert response.context["next_qs"] == "type=gaatur&side=2"
    assert len(titles(client.get(HOME, {"type": "gaatur", "side": "2"}))) == 5


# The budget of a search with text and three filters, whatever the number of
# results: the managed lists, the text's EXISTS, the total and checkbox counts,
# three GROUP BYs, the time-of-day counts without that filter, the page and its
# three prefetches, and the statistics (one upsert, one visitor insert that
# finds the visitor already counted).
SEARCH_QUERIES = 13
SEARCH = {"q": "gåtur", "maalgruppe": "seniorer", "omraade": "midtby", "tid": "formiddag"}


@pytest.mark.django_db
@pytest.mark.parametrize("results", [1, 50])
def test_query_count_does_not_grow_with_results(
    client: Client,
    make_entry: Callable[..., Entry],
    django_assert_num_queries: Any,
    results: int,
) -> None:
    for i in range(results):
        make_entry(
            f"Gåtur {i}",
            types=("gaatur", "mad"),
            targets=("seniorer", "alle"),
            rrule="FREQ=WEEKLY;BYDAY=MO",
            dates=[(dt.date(2026, 12, 20), None, None)],
        )
    client.get(HOME, SEARCH)  # this visitor is now counted
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(HOME, SEARCH)
    assert response.context["finding"].total == results
    assert len(response.context["finding"].entries) == min(results, 20)


@pytest.mark.django_db
def test_search_is_counted_without_who_searched(client: Client, some: dict[str, Entry]) -> None:
    client.get(HOME, {"q": "Fællesspisninger", "omraade": "gedved"})
    client.get(HOME, {"q": "fællesspisninger", "omraade": "gedved"})
    Client().get(HOME, {"q": "fællesspisninger", "omraade": "gedved"}, REMOTE_ADDR="10.0.0.9")
    stat = SearchStat.objects.get()
    assert (stat.query, stat.area, stat.bucket, stat.count) == ("fællesspisninger", "gedved", 1, 3)
    assert stat.people == 2
    columns = {f.name for f in SearchStat._meta.get_fields()}
    assert not columns & {"user", "ip", "session"}


@pytest.mark.django_db
def test_entry_page_and_print(client: Client, some: dict[str, Entry]) -> None:
    entry = some["knit"]
    page = client.get(entry.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Strikkeklubben" in body and "Du kan komme alene" in body
    assert reverse("directory-coordinator-request") in body
    printed = client.get(reverse("directory-entry-print", args=[entry.pk]))
    assert printed.status_code == 200
    assert "print-sheet" in printed.content.decode()


@pytest.mark.django_db
def test_draft_is_not_found_by_others(
    client: Client, make_entry: Callable[..., Entry], submitter: Any, editor: Any
) -> None:
    draft = make_entry("Hemmelig kladde", status="pending", actor=submitter)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(submitter)
    assert client.get(draft.get_absolute_url()).status_code == 200
    client.force_login(editor)
    assert client.get(draft.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_entry_ics_exports_the_rule_in_copenhagen_time(
    client: Client, some: dict[str, Entry]
) -> None:
    response = client.get(reverse("directory-entry-ics", args=[some["knit"].pk]))
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Strikkeklubben"
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["BYDAY"] == ["TU"]
    start = event.decoded("DTSTART")
    assert start.hour == 10 and str(start.tzinfo) == "Europe/Copenhagen"
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert cal.walk("VTIMEZONE")


@pytest.mark.django_db
def test_search_ics_has_every_result(client: Client, some: dict[str, Entry]) -> None:
    response = client.get(reverse("directory-search-ics"), {"maalgruppe": "seniorer"})
    cal = Calendar.from_ical(response.content)
    summaries = sorted(str(e["SUMMARY"]) for e in cal.walk("VEVENT"))
    assert summaries == ["Fællesspisning", "Strikkeklubben"]
    dinner = next(e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "Fællesspisning")
    assert "RRULE" not in dinner
    assert dinner.decoded("DTSTART").date() == dt.date(2026, 12, 12)


@pytest.mark.django_db
def test_calendar_shows_the_coming_meetings(client: Client, some: dict[str, Entry]) -> None:
    response = client.get(reverse("directory-calendar"))
    days = {d.date: [e.title for _o, e in d.items] for d in response.context["days"]}
    assert days[dt.date(2026, 12, 8)] == ["Strikkeklubben"]
    assert days[dt.date(2026, 12, 10)] == ["Gåtur i Hatting"]
    assert days[dt.date(2026, 12, 12)] == ["Fællesspisning"]
    assert len([d for d in days if d.weekday() == 1]) == 2  # two Tuesdays in 14 days
    filtered = client.get(reverse("directory-calendar"), {"omraade": "gedved"})
    assert [e.title for d in filtered.context["days"] for _o, e in d.items] == ["Fællesspisning"]
    later = client.get(reverse("directory-calendar"), {"fra": "14"})
    assert dt.date(2026, 12, 12) not in {d.date for d in later.context["days"]}
    EntryDate.objects.all().delete()


@pytest.mark.django_db
def test_visitor_keeps_favourites_in_the_session(client: Client, some: dict[str, Entry]) -> None:
    entry = some["walk"]
    response = client.post(reverse("directory-favourite-add", args=[entry.pk]))
    assert response.status_code == 302
    assert Favourite.objects.count() == 0
    page = client.get(reverse("directory-favourites"))
    assert [e.title for e in page.context["entries"]] == ["Gåtur i Hatting"]
    shared = client.get(page.context["share_url"])
    assert [e.title for e in shared.context["entries"]] == ["Gåtur i Hatting"]
    printed = client.get(reverse("directory-favourites-print"))
    assert "Gåtur i Hatting" in printed.content.decode()
    client.post(reverse("directory-favourite-remove", args=[entry.pk]))
    assert client.get(reverse("directory-favourites")).context["entries"] == []


@pytest.mark.django_db
def test_member_keeps_favourites_on_the_account(
    client: Client, some: dict[str, Entry], plain_member: Any
) -> None:
    client.force_login(plain_member)
    client.post(reverse("directory-favourite-add", args=[some["knit"].pk]), {"next": HOME})
    assert list(Favourite.objects.values_list("user", "entry")) == [
        (plain_member.pk, some["knit"].pk)
    ]
    other = Client()
    other.force_login(plain_member)
    entries = other.get(reverse("directory-favourites")).context["entries"]
    assert [e.title for e in entries] == ["Strikkeklubben"]


@pytest.mark.django_db
def test_cannot_save_an_entry_that_is_not_published(
    client: Client, make_entry: Callable[..., Entry]
) -> None:
    draft = make_entry("Kladde", status="draft")
    assert client.post(reverse("directory-favourite-add", args=[draft.pk])).status_code == 404


@pytest.mark.django_db
def test_forged_share_link_is_404(client: Client, some: dict[str, Entry]) -> None:
    assert client.get(reverse("directory-shared-list", args=["[1,2,3]:forged"])).status_code == 404


@pytest.mark.django_db
def test_redirect_after_saving_stays_on_the_site(client: Client, some: dict[str, Entry]) -> None:
    response = client.post(
        reverse("directory-favourite-add", args=[some["knit"].pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == some["knit"].get_absolute_url()
