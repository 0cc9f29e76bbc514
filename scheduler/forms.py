"""Forms of the weekly plan: local date and time in, a UTC instant out."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from posts.forms import THEME_CHOICES, PhotosFormMixin
from posts.models import BODY_MAX_LENGTH
from sammen.dates import format_for
from scheduler import localtime
from scheduler.models import Weekday

THEME_ERROR = _("Vælg et af temaerne Aktiv, Sammen eller Meningsfuld.")
PLACE_ERROR = _("Vælg et sted fra listen.")

AMBIGUOUS_CHOICES = [
    (localtime.FIRST, _("Første gang (sommertid, før urene stilles tilbage)")),
    (localtime.SECOND, _("Anden gang (vintertid, efter urene er stillet tilbage)")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def place_choices(group: Any, subgroups: Any) -> list[tuple[str, str]]:
    choices = [("", str(_("Hele gruppen: %(name)s") % {"name": group.name}))]
    choices += [(str(s.pk), str(_("Undergruppen %(name)s") % {"name": s.name})) for s in subgroups]
    return choices


class WhenMixin(forms.Form):
    """A local date and time, resolved to a UTC instant in `publish_at`.

    A time skipped by the spring-forward change is refused; a time that happens
    twice on the fall-back night shows the `resolve` choice and asks for it."""

    date = forms.DateField(
        label=_("Dato"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Skriv datoen som dd-mm-åååå.")},
    )
    time = forms.TimeField(
        label=_("Klokkeslæt"),
        required=False,
        widget=TimeInput(),
        error_messages={"invalid": _("Skriv klokkeslættet som TT:MM, fx 09:00.")},
    )
    resolve = forms.ChoiceField(
        label=_("Hvilken af de to gange?"),
        choices=AMBIGUOUS_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )

    time_required = True
    show_resolve = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Optional only for drafts, which the help text says: no "(valgfrit)".
        for name in ("date", "time"):
            self.fields[name].hide_optional = True  # type: ignore[attr-defined]

    def clean_when(self, cleaned: dict[str, Any]) -> None:
        day: dt.date | None = cleaned.get("date")
        time: dt.time | None = cleaned.get("time")
        cleaned["publish_at"] = None
        if self.errors.get("date") or self.errors.get("time"):
            return
        if day is None and time is None:
            if self.time_required:
                self.add_error("date", _("Vælg en dato."))
                self.add_error("time", _("Vælg et klokkeslæt."))
            return
        if day is None:
            self.add_error("date", _("Vælg en dato."))
            return
        if time is None:
            self.add_error("time", _("Vælg et klokkeslæt."))
            return
        if localtime.is_ambiguous(day, time):
            self.show_resolve = True
        try:
            cleaned["publish_at"] = localtime.to_instant(day, time, cleaned.get("resolve") or "")
        except ValidationError as exc:
            self.add_error("resolve" if exc.code == "ambiguous" else "time", exc)


class ScheduledPostForm(PhotosFormMixin, WhenMixin):
    body = forms.CharField(
        label=_("Tekst"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Du kan skrive *kursiv*, **fed**, lister og links."),
        error_messages={"required": _("Skriv teksten til opslaget.")},
    )
    theme = forms.ChoiceField(
        label=_("Tema (ABC for mental sundhed)"),
        choices=THEME_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": THEME_ERROR},
    )
    place = forms.ChoiceField(
        label=_("Hvor skal opslaget vises?"),
        required=False,
        error_messages={"invalid_choice": PLACE_ERROR},
    )
    remove_photos = forms.TypedMultipleChoiceField(
        label=_("Fjern billeder"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    pinned = forms.BooleanField(label=_("Fastgør øverst i gruppen"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    slot = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = ["body", "theme", "date", "time", "resolve", "place", "photos", "alt_texts"]

    def __init__(
        self,
        *args: Any,
        group: Any,
        subgroups: Any,
        existing_photos: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subgroups = {str(s.pk): s for s in subgroups}
        cast(forms.ChoiceField, self.fields["place"]).choices = place_choices(group, subgroups)
        if not self.subgroups:
            self.fields["place"].widget = forms.HiddenInput()
        if existing_photos:
            cast(forms.ChoiceField, self.fields["remove_photos"]).choices = [
                (p.pk, p.alt_text or _("Billede %(n)d") % {"n": i})
                for i, p in enumerate(existing_photos, start=1)
            ]
        else:
            del self.fields["remove_photos"]
        self.existing_count = len(existing_photos)

    @property
    def is_draft(self) -> bool:
        return "draft" in self.data

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.time_required = not self.is_draft
        self.clean_when(cleaned)
        place = cleaned.get("place") or ""
        if place and place not in self.subgroups:
            self.add_error("place", PLACE_ERROR)
        cleaned["subgroup"] = self.subgroups.get(place)
        return cleaned


class MoveForm(WhenMixin):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.clean_when(cleaned)
        return cleaned


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Ugedag"),
        choices=Weekday.choices,
        coerce=int,
        error_messages={"invalid_choice": _("Vælg en ugedag fra mandag til søndag.")},
    )
    local_time = forms.TimeField(
        label=_("Klokkeslæt"),
        widget=TimeInput(),
        error_messages={
            "invalid": _("Skriv klokkeslættet som TT:MM, fx 09:00."),
            "required": _("Vælg et klokkeslæt."),
        },
    )
    theme = forms.ChoiceField(
        label=_("Tema"),
        choices=THEME_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": THEME_ERROR},
    )
    title_hint = forms.CharField(
        label=_("Idé til opslaget (valgfri)"),
        max_length=120,
        required=False,
        help_text=_("Fx “Ugens gåtur” eller “Del en god bog”."),
    )
    place = forms.ChoiceField(
        label=_("Hvor?"), required=False, error_messages={"invalid_choice": PLACE_ERROR}
    )

    def __init__(self, *args: Any, group: Any, subgroups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subgroups = {str(s.pk): s for s in subgroups}
        cast(forms.ChoiceField, self.fields["place"]).choices = place_choices(group, subgroups)
        if not self.subgroups:
            self.fields["place"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        place = cleaned.get("place") or ""
        if place and place not in self.subgroups:
            self.add_error("place", PLACE_ERROR)
        cleaned["subgroup"] = self.subgroups.get(place)
        return cleaned

    def slot_fields(self) -> dict[str, Any]:
        """The cleaned fields as slot_create and slot_update take them."""
        names = ("subgroup", "weekday", "local_time", "theme", "title_hint")
        return {name: self.cleaned_data[name] for name in names}


def week_label(monday: dt.date) -> str:
    year, week, _day = monday.isocalendar()
    sunday = monday + dt.timedelta(days=6)
    return str(
        _("Uge %(week)d (%(start)s – %(end)s)")
        % {
            "week": week,
            "start": formats.date_format(monday, format_for("day_month")),
            "end": formats.date_format(sunday, format_for("date")),
        }
    )


class CopyWeekForm(forms.Form):
    target = forms.ChoiceField(
        label=_("Kopiér til"),
        error_messages={"invalid_choice": _("Vælg en af ugerne på listen.")},
    )

    def __init__(self, *args: Any, source: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        weeks = [source + dt.timedelta(weeks=n) for n in range(1, 13)]
        self.weeks = {m.isoformat(): m for m in weeks}
        cast(forms.ChoiceField, self.fields["target"]).choices = [
            (m.isoformat(), week_label(m)) for m in weeks
        ]

    def clean_target(self) -> dt.date:
        return self.weeks[self.cleaned_data["target"]]
