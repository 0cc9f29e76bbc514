"""The dashboard's figures as tables: what the page shows under each chart
(for screen readers and without JavaScript) and what the CSV holds. One
definition for both, so the download says what the page says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _


@dataclass
class Bar:
    label: str
    value: Any
    pct: int  # of the largest value in the chart, 0–100


@dataclass
class Section:
    key: str
    title: str
    header: list[str]
    rows: list[list[str]]
    kind: str = "table"  # "compare", "table" or "heatmap"
    bars: list[Bar] = field(default_factory=list)
    # A heatmap's rows: (weekday, [(count, level 0–5), …]).
    cells: list[tuple[str, list[tuple[int, int]]]] = field(default_factory=list)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return str(number_format(value, 1))
    return str(value)


def _change(now: Any, before: Any) -> str:
    if now is None or before is None:
        return "–"
    diff = now - before
    if not diff:
        return _("uændret")
    sign = "+" if diff > 0 else "−"
    return f"{sign}{_fmt(abs(round(diff, 1)) if isinstance(diff, float) else abs(diff))}"


def _compare(rows: list[tuple[str, Any, Any]]) -> list[list[str]]:
    return [[label, _fmt(now), _fmt(before), _change(now, before)] for label, now, before in rows]


def _bars(pairs: list[tuple[str, Any]]) -> list[Bar]:
    top = max((v or 0 for _label, v in pairs), default=0)
    return [Bar(label, v, round(100 * (v or 0) / top) if top else 0) for label, v in pairs]


def sections(figures: dict[str, Any], *, weekdays: list[str]) -> list[Section]:
    now, before = figures["now"], figures["before"]
    compare_header = [_("Tal"), _("Denne periode"), _("Forrige periode"), _("Ændring")]
    m, mb = now["members"], before["members"]
    a, ab = now["activity"], before["activity"]
    r, rb = now["response"], before["response"]
    out = [
        Section(
            "medlemmer",
            _("Medlemmer"),
            compare_header,
            _compare(
                [
                    (_("Medlemmer ved periodens slutning"), m["total"], mb["total"]),
                    (_("Nye medlemmer"), m["joined"], mb["joined"]),
                    (_("Meldt ud"), m["left"], mb["left"]),
                    (_("Fjernet eller udelukket"), m["removed"], mb["removed"]),
                    (_("Venter på svar nu"), m["pending"], None),
                    (
                        _("Median svartid på anmodninger (timer)"),
                        m["answer_hours"],
                        mb["answer_hours"],
                    ),
                ]
            ),
            kind="compare",
        ),
        Section(
            "medlemstal",
            _("Medlemmer over tid"),
            [_("Dato"), _("Medlemmer")],
            [[day, str(n)] for day, n in m["series"]],
            bars=_bars([(day, n) for day, n in m["series"]]),
        ),
        Section(
            "aktivitet",
            _("Aktivitet"),
            compare_header,
            _compare(
                [
                    (_("Aktive medlemmer"), a["active"], ab["active"]),
                    (_("Aktive den sidste uge"), a["weekly_active"], ab["weekly_active"]),
                    (_("Aktive pr. dag (gennemsnit)"), a["daily_active"], ab["daily_active"]),
                    (_("Dagligt aktive af månedligt aktive (%)"), a["dau_mau"], ab["dau_mau"]),
                    (_("Skrev opslag eller kommentarer"), a["contributors"], ab["contributors"]),
                    (_("Læste eller reagerede kun"), a["readers"], ab["readers"]),
                    (_("Opslag"), a["posts"], ab["posts"]),
                    (_("Opslag fra personalet"), a["posts_staff"], ab["posts_staff"]),
                    (_("Opslag fra medlemmer"), a["posts_members"], ab["posts_members"]),
                    (_("Kommentarer"), a["comments"], ab["comments"]),
                    (_("Reaktioner"), a["reactions"], ab["reactions"]),
                    (_("Visninger af opslag"), a["views"], ab["views"]),
                ]
            ),
            kind="compare",
        ),
        Section(
            "temaer",
            _("ABC-temaer"),
            [
                _("Tema"),
                _("Opslag"),
                _("Kommentarer pr. opslag"),
                _("Reaktioner pr. opslag"),
                _("Planlagt i ugeplanen"),
                _("Udgivet fra ugeplanen"),
            ],
            [
                [
                    t["label"],
                    str(t["posts"]),
                    _fmt(t["comments_per_post"]),
                    _fmt(t["reactions_per_post"]),
                    str(t["planned"]),
                    str(t["published_from_plan"]),
                ]
                for t in now["themes"]
            ],
            bars=_bars([(t["label"], t["posts"]) for t in now["themes"]]),
        ),
        _heatmap_section(now["heatmap"], weekdays),
        Section(
            "svar",
            _("Svar på medlemmernes opslag"),
            compare_header,
            _compare(
                [
                    (_("Opslag fra medlemmer"), r["member_posts"], rb["member_posts"]),
                    (_("Fik svar"), r["answered"], rb["answered"]),
                    (
                        _("Median tid til første svar (timer)"),
                        r["median_hours"],
                        rb["median_hours"],
                    ),
                    (
                        _("Besvaret inden for 24 timer (%)"),
                        r["within_24h_pct"],
                        rb["within_24h_pct"],
                    ),
                ]
            ),
            kind="compare",
        ),
        Section(
            "mest-populaere",
            _("Periodens mest populære opslag"),
            [_("Efter"), _("Opslag"), _("Antal")],
            [
                [label, row["excerpt"], str(row["value"])]
                for key, label in (
                    ("comments", _("Kommentarer")),
                    ("reactions", _("Reaktioner")),
                    ("views", _("Visninger")),
                )
                for row in now["top"][key]
            ],
        ),
    ]
    return out


def _heatmap_section(grid: list[list[int]], weekdays: list[str]) -> Section:
    top = max((n for row in grid for n in row), default=0)

    def level(n: int) -> int:
        return 0 if not n or not top else 1 + min(4, (4 * n) // top)

    return Section(
        "tidspunkter",
        _("Hvornår er medlemmerne aktive?"),
        [_("Ugedag"), *[f"{h:02d}" for h in range(24)]],
        [[weekdays[d], *[str(n) for n in grid[d]]] for d in range(7)],
        kind="heatmap",
        cells=[(weekdays[d], [(n, level(n)) for n in grid[d]]) for d in range(7)],
    )
