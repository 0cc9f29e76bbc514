"""The directory's search and filter form: one plain GET form, shareable URL.

Field names are short Danish words, as they appear in the address bar. An
unknown value of one filter is reported in Danish and that filter is left out;
the rest of the search still runs.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import DayPart
from directory.search import MAX_QUERY_LENGTH
from sammen.themes import Theme

WEEKDAYS = [
    ("1", _("Mandag")),
    ("2", _("Tirsdag")),
    ("3", _("Onsdag")),
    ("4", _("Torsdag")),
    ("5", _("Fredag")),
    ("6", _("Lørdag")),
    ("7", _("Søndag")),
]

# Checkbox filters: URL name -> (the Entry field it tests, label).
FLAG_FILTERS: dict[str, tuple[str, Any]] = {
    "gratis": ("is_free", _("Kun gratis")),
    "alene": ("can_come_alone", _("Du kan komme alene (fast velkomstperson)")),
    "trinfri": ("step_free", _("Trinfri adgang")),
    "toilet": ("accessible_toilet", _("Handicaptoilet")),
    "teleslynge": ("hearing_loop", _("Teleslynge")),
    "parkering": ("parking", _("Parkering")),
    "bus": ("near_bus", _("Tæt på bus")),
    "nyt": ("", _("Nyt i denne måned")),
}

# Select filters: URL name -> the statistics column it is counted under.
SELECT_FILTERS = ("tema", "type", "maalgruppe", "omraade", "dag", "tid")


def _choice(label: Any) -> forms.ChoiceField:
    """A select whose choices SearchForm fills in (the managed lists are read per request)."""
    return forms.ChoiceField(
        label=label,
        choices=[("", _("Alle"))],
        required=False,
        error_messages={
            "invalid_choice": _("Den værdi kender vi ikke. Vælg en fra listen."),
        },
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Hvad leder du efter?"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _("Søgningen er for lang. Brug højst %(limit_value)d tegn."),
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    tema = _choice(_("Tema"))
    type = _choice(_("Aktivitet"))
    maalgruppe = _choice(_("For hvem"))
    alder = forms.IntegerField(
        label=_("Alder"),
        required=False,
        min_value=0,
        max_value=120,
        error_messages={
            "invalid": _("Skriv alderen som et tal, fx 67."),
            "min_value": _("Alderen skal være mellem 0 og 120."),
            "max_value": _("Alderen skal være mellem 0 og 120."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    omraade = _choice(_("Område"))
    dag = _choice(_("Ugedag"))
    tid = _choice(_("Tid på dagen"))
    gratis = forms.BooleanField(label=FLAG_FILTERS["gratis"][1], required=False)
    alene = forms.BooleanField(label=FLAG_FILTERS["alene"][1], required=False)
    trinfri = forms.BooleanField(label=FLAG_FILTERS["trinfri"][1], required=False)
    toilet = forms.BooleanField(label=FLAG_FILTERS["toilet"][1], required=False)
    teleslynge = forms.BooleanField(label=FLAG_FILTERS["teleslynge"][1], required=False)
    parkering = forms.BooleanField(label=FLAG_FILTERS["parkering"][1], required=False)
    bus = forms.BooleanField(label=FLAG_FILTERS["bus"][1], required=False)
    nyt = forms.BooleanField(label=FLAG_FILTERS["nyt"][1], required=False)

    def __init__(self, *args: Any, options: dict[str, list[tuple[str, str]]], **kwargs: Any):
        """`options`: the managed lists' (slug, name) pairs: "type", "maalgruppe", "omraade"."""
        super().__init__(*args, **kwargs)
        fixed = {
            "tema": [(v, str(label)) for v, label in Theme.choices],
            "dag": [(v, str(label)) for v, label in WEEKDAYS],
            "tid": [(v, str(label)) for v, label in DayPart.choices],
        }
        for name in SELECT_FILTERS:
            values = fixed.get(name) or options.get(name, [])
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", _("Alle")), *values]

    def filters(self) -> dict[str, Any]:
        """The valid filters (unknown values dropped), by URL name."""
        data = getattr(self, "cleaned_data", {})
        chosen: dict[str, Any] = {}
        for name in (*SELECT_FILTERS, "alder", *FLAG_FILTERS):
            if name in self.errors:
                continue
            value = data.get(name)
            if value not in (None, "", False):
                chosen[name] = value
        return chosen

    def query(self) -> str:
        if "q" in self.errors:
            return ""
        return str(getattr(self, "cleaned_data", {}).get("q") or "").strip()
