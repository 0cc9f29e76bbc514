"""The form an association fills in to submit (or edit) its entry.

Every field of an entry, in plain Danish. The schedule is chosen, not typed
as an RRULE: "hver uge", "hver anden uge", "en gang om måneden" (which week
and weekday) or single dates; the rule is built here and checked with the
model's own validator. What the form yields is a plain dict (`proposed`),
which directory.review stores as it is (a new entry) or keeps as a pending
revision of a published one.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from directory.models import (
    ALT_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ActivityType,
    Area,
    Entry,
    OrganiserKind,
    TargetGroup,
    validate_rrule,
)
from directory.services import LOGGED_FIELDS
from sammen.images import process_image
from sammen.themes import Theme

WEEKDAYS = [
    ("MO", _lazy("mandag")),
    ("TU", _lazy("tirsdag")),
    ("WE", _lazy("onsdag")),
    ("TH", _lazy("torsdag")),
    ("FR", _lazy("fredag")),
    ("SA", _lazy("lørdag")),
    ("SU", _lazy("søndag")),
]
NTH = [
    ("1", _lazy("første")),
    ("2", _lazy("anden")),
    ("3", _lazy("tredje")),
    ("4", _lazy("fjerde")),
    ("-1", _lazy("sidste")),
]
HOW_OFTEN = [
    ("weekly", _lazy("Hver uge")),
    ("biweekly", _lazy("Hver anden uge")),
    ("monthly", _lazy("En gang om måneden")),
    ("dates", _lazy("På bestemte datoer")),
]
MAX_DATES = 30
# Danish numbers: 8 digits, spaces allowed, with or without +45 / 0045.
_PHONE = re.compile(r"^(?:\+45|0045)?\d{8}$")

# The plain fields of Entry the form fills: those the change log records, but
# for the ones stored from other inputs (themes, area) or set by the review.
PLAIN_FIELDS = tuple(
    name
    for name in LOGGED_FIELDS
    if name not in {"theme_mask", "area_id", "status", "status_reason"}
)


def clean_phone(value: str) -> str:
    """A Danish phone number, stored as typed but without spaces; '' stays ''."""
    compact = re.sub(r"[\s\-.()]", "", value or "")
    if not compact:
        return ""
    if not _PHONE.match(compact):
        raise ValidationError(
            _("Skriv et dansk telefonnummer med 8 cifre, fx 75 12 34 56."), code="phone"
        )
    return compact


def _date_list(text: str) -> list[dt.date]:
    found: list[dt.date] = []
    for raw in re.split(r"[\s,;]+", text.strip()):
        if not raw:
            continue
        parsed = None
        for fmt in ("%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"):
            try:
                parsed = dt.datetime.strptime(raw, fmt).date()
                break
            except ValueError:
                continue
        if parsed is None:
            raise ValidationError(
                _("«%(text)s» er ikke en dato. Skriv datoer som 24.12.2026, én pr. linje."),
                params={"text": raw[:20]},
                code="date",
            )
        found.append(parsed)
    if len(found) > MAX_DATES:
        raise ValidationError(
            _("Højst %(count)s datoer. Vælg en gentagelse i stedet."),
            params={"count": MAX_DATES},
            code="dates",
        )
    return sorted(set(found))


class EntrySubmitForm(forms.Form):
    title = forms.CharField(
        label=_lazy("Navn på aktiviteten eller fællesskabet"), max_length=TITLE_MAX_LENGTH
    )
    description = forms.CharField(
        label=_lazy("Kort beskrivelse"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_lazy("Skriv kort og i et enkelt sprog: hvad I laver, og hvem der er velkommen."),
    )
    organiser_kind = forms.ChoiceField(
        label=_lazy("Hvem står bag?"),
        choices=[
            (OrganiserKind.ASSOCIATION.value, OrganiserKind.ASSOCIATION.label),
            (OrganiserKind.MUNICIPALITY.value, OrganiserKind.MUNICIPALITY.label),
        ],
        widget=forms.RadioSelect,
        initial=OrganiserKind.ASSOCIATION,
    )
    organiser_name = forms.CharField(label=_lazy("Foreningens eller stedets navn"), max_length=120)
    themes = forms.MultipleChoiceField(
        label=_lazy("ABC for mental sundhed"),
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    activity_types = forms.ModelMultipleChoiceField(
        label=_lazy("Slags aktivitet"),
        queryset=ActivityType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    target_groups = forms.ModelMultipleChoiceField(
        label=_lazy("Hvem er det for?"),
        queryset=TargetGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    min_age = forms.IntegerField(
        label=_lazy("Alder fra"), min_value=0, max_value=120, required=False
    )
    max_age = forms.IntegerField(
        label=_lazy("Alder til"), min_value=0, max_value=120, required=False
    )
    area = forms.ModelChoiceField(
        label=_lazy("Lokalområde"), queryset=Area.objects.all(), required=False
    )
    place_name = forms.CharField(label=_lazy("Mødested"), max_length=120, required=False)
    address = forms.CharField(
        label=_lazy("Adresse"),
        max_length=200,
        required=False,
        help_text=_lazy("Vej, nummer og by, fx Havnegade 10, 8700 Horsens."),
    )
    how_often = forms.ChoiceField(
        label=_lazy("Hvor tit mødes I?"), choices=HOW_OFTEN, widget=forms.RadioSelect
    )
    weekday = forms.ChoiceField(
        label=_lazy("Ugedag"), choices=[("", "—"), *WEEKDAYS], required=False
    )
    nth = forms.ChoiceField(
        label=_lazy("Hvilken uge i måneden (kun ved én gang om måneden)"),
        choices=[("", "—"), *NTH],
        required=False,
    )
    starts_on = forms.DateField(
        label=_lazy("Første gang"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ends_on = forms.DateField(
        label=_lazy("Sidste gang"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    start_time = forms.TimeField(
        label=_lazy("Starter kl."), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_lazy("Slutter kl."), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    dates = forms.CharField(
        label=_lazy("Datoer (kun ved bestemte datoer)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_lazy("Én dato pr. linje, fx 24.12.2026."),
    )
    schedule_note = forms.CharField(
        label=_lazy("Hvornår, med jeres egne ord"),
        max_length=200,
        required=False,
        help_text=_lazy("Fx «Hver tirsdag, undtagen i skolernes ferier»."),
    )
    is_free = forms.BooleanField(label=_lazy("Det er gratis"), required=False, initial=True)
    price_kr = forms.DecimalField(
        label=_lazy("Pris i kroner"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        decimal_places=2,
    )
    price_note = forms.CharField(label=_lazy("Om prisen"), max_length=200, required=False)
    signup_required = forms.BooleanField(label=_lazy("Man skal tilmelde sig"), required=False)
    step_free = forms.BooleanField(label=_lazy("Trinfri adgang"), required=False)
    accessible_toilet = forms.BooleanField(label=_lazy("Handicaptoilet"), required=False)
    hearing_loop = forms.BooleanField(label=_lazy("Teleslynge"), required=False)
    parking = forms.BooleanField(label=_lazy("Parkering"), required=False)
    near_bus = forms.BooleanField(label=_lazy("Tæt på bus"), required=False)
    can_come_alone = forms.BooleanField(
        label=_lazy("Du kan komme alene – der er en fast velkomstperson"), required=False
    )
    companion_welcome = forms.BooleanField(
        label=_lazy("Du må tage en ledsager med"), required=False
    )
    contact_name = forms.CharField(label=_lazy("Kontaktperson"), max_length=120)
    contact_phone = forms.CharField(
        label=_lazy("Kontaktpersonens telefon"), max_length=20, required=False
    )
    contact_email = forms.EmailField(label=_lazy("Kontaktpersonens e-mail"), required=False)
    website = forms.URLField(label=_lazy("Hjemmeside"), required=False, assume_scheme="https")
    photo = forms.ImageField(label=_lazy("Billede"), required=False)
    photo_alt = forms.CharField(
        label=_lazy("Beskriv billedet"),
        max_length=ALT_MAX_LENGTH,
        required=False,
        help_text=_lazy("Et par ord for dem, der ikke kan se billedet, fx «Fem mennesker på tur»."),
    )

    def __init__(self, *args: Any, entry: Entry | None = None, **kwargs: Any) -> None:
        self.entry = entry
        super().__init__(*args, **kwargs)

    def clean_contact_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("contact_phone", ""))

    def clean_website(self) -> str:
        url = self.cleaned_data.get("website", "")
        if url and not url.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Et link skal begynde med http:// eller https://."))
        return str(url)

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        # Judged by its content and cleaned now (EXIF and GPS gone), not later.
        return process_image(upload, max_side=1600)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        if not data.get("contact_phone") and not data.get("contact_email"):
            self.add_error(
                "contact_phone",
                _("Skriv et telefonnummer eller en e-mail, så man kan få fat i jer."),
            )
        how = data.get("how_often")
        weekday = data.get("weekday")
        rule = ""
        if how in ("weekly", "biweekly", "monthly"):
            if not weekday:
                self.add_error("weekday", _("Vælg den ugedag, I mødes."))
            if not data.get("starts_on"):
                self.add_error("starts_on", _("Skriv den første dato, I mødes."))
            if not data.get("start_time"):
                self.add_error("start_time", _("Skriv hvornår I starter."))
            if how == "monthly" and not data.get("nth"):
                self.add_error("nth", _("Vælg hvilken uge i måneden, fx den første."))
            if weekday and how == "weekly":
                rule = f"FREQ=WEEKLY;BYDAY={weekday}"
            elif weekday and how == "biweekly":
                rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}"
            elif weekday and data.get("nth"):
                rule = f"FREQ=MONTHLY;BYDAY={data['nth']}{weekday}"
            data["date_list"] = []
        elif how == "dates":
            try:
                data["date_list"] = _date_list(data.get("dates", ""))
            except ValidationError as exc:
                self.add_error("dates", exc)
                data["date_list"] = []
            else:
                if not data["date_list"]:
                    self.add_error("dates", _("Skriv mindst én dato."))
        if rule:
            try:
                validate_rrule(rule)
            except ValidationError as exc:
                self.add_error("how_often", exc)
        data["rrule"] = rule
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error(
                "ends_on", _("Sidste gang skal være samme dag som første gang eller senere.")
            )
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("Sluttidspunktet skal være efter starttidspunktet."))
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_age", _("Alderen 'til' skal være den samme som 'fra' eller højere.")
            )
        price = data.get("price_kr")
        if not data.get("is_free") and price is None and not data.get("price_note"):
            self.add_error("price_kr", _("Skriv prisen, eller marker at det er gratis."))
        data["price_ore"] = None if price is None else int(price * 100)
        has_photo = data.get("photo") or (self.entry is not None and self.entry.photo)
        if has_photo and not data.get("photo_alt"):
            self.add_error(
                "photo_alt", _("Beskriv billedet med et par ord for dem, der ikke kan se det.")
            )
        return data

    def proposed(self) -> dict[str, Any]:
        """The valid form as plain JSON values (dates and times as ISO text,
        chosen list rows as ids)."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for name in PLAIN_FIELDS:
            value = data.get(name)
            if isinstance(value, (dt.date, dt.time)):
                value = value.isoformat()
            out[name] = "" if value is None and name not in _NULLABLE else value
        out["themes"] = list(data.get("themes") or [])
        out["activity_types"] = sorted(t.pk for t in data.get("activity_types") or [])
        out["target_groups"] = sorted(t.pk for t in data.get("target_groups") or [])
        out["area"] = data["area"].pk if data.get("area") else None
        out["dates"] = [d.isoformat() for d in data.get("date_list") or []]
        return out


_NULLABLE = {"min_age", "max_age", "starts_on", "ends_on", "start_time", "end_time", "price_ore"}


def initial_from_entry(entry: Entry, proposed: dict[str, Any] | None = None) -> dict[str, Any]:
    """The form's starting values: the entry as published, or the organiser's
    pending edit of it."""
    if proposed is not None:
        values = dict(proposed)
        dates = values.pop("dates", [])
    else:
        values = {name: getattr(entry, name) for name in PLAIN_FIELDS}
        values["themes"] = entry.themes
        values["activity_types"] = list(entry.activity_types.values_list("pk", flat=True))
        values["target_groups"] = list(entry.target_groups.values_list("pk", flat=True))
        values["area"] = entry.area_id
        dates = [d.date.isoformat() for d in entry.dates.all()]
    rule = str(values.get("rrule") or "").upper()
    if "INTERVAL=2" in rule:
        values["how_often"] = "biweekly"
    elif rule.startswith("FREQ=MONTHLY"):
        values["how_often"] = "monthly"
    elif rule.startswith("FREQ=WEEKLY"):
        values["how_often"] = "weekly"
    else:
        values["how_often"] = "dates"
    match = re.search(r"BYDAY=(-?\d)?([A-Z]{2})", rule)
    if match:
        values["nth"] = match.group(1) or ""
        values["weekday"] = match.group(2)
    values["dates"] = "\n".join(
        dt.date.fromisoformat(d).strftime("%d.%m.%Y") if isinstance(d, str) else d for d in dates
    )
    price = values.get("price_ore")
    values["price_kr"] = None if price is None else Decimal(price) / 100
    return values
