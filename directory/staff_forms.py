"""Forms of the review queue, the coordinator request and its inbox, and the
inspiration lists' editing pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from directory.coordinator import CONSENT_PURPOSE
from directory.models import Area, CallTime, Entry, EntryStatus, ListTheme
from directory.submit_forms import clean_phone


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approved", _lazy("Godkend")),
            ("changes_requested", _lazy("Bed om rettelser")),
            ("declined", _lazy("Afvis")),
        ]
    )
    reason = forms.CharField(
        label=_lazy("Begrundelse eller hvad der skal rettes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_lazy(
            "Skal udfyldes, når du afviser eller beder om rettelser. Arrangøren ser den."
        ),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("decision") in ("declined", "changes_requested")
            and not data.get("reason", "").strip()
        ):
            self.add_error(
                "reason", _("Skriv en begrundelse, så arrangøren ved, hvad der skal til.")
            )
        return data


class CoordinatorRequestForm(forms.Form):
    name = forms.CharField(label=_lazy("Dit navn"), max_length=120)
    phone = forms.CharField(label=_lazy("Telefon"), max_length=20, required=False)
    email = forms.EmailField(label=_lazy("E-mail"), required=False)
    call_time = forms.ChoiceField(
        label=_lazy("Hvornår passer det dig, at vi ringer?"),
        choices=CallTime.choices,
        widget=forms.RadioSelect,
        initial=CallTime.ANY,
    )
    wish = forms.CharField(
        label=_lazy("Hvad kunne du tænke dig?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_lazy("Fx «Jeg er flyttet hertil og vil gerne møde nogen at gå tur med»."),
    )
    area = forms.ModelChoiceField(
        label=_lazy("Hvor bor du?"), queryset=Area.objects.all(), required=False
    )
    on_behalf = forms.BooleanField(label=_lazy("Jeg skriver på vegne af en anden"), required=False)
    on_behalf_of = forms.CharField(label=_lazy("Personens navn"), max_length=120, required=False)
    on_behalf_consent = forms.BooleanField(
        label=_lazy("Personen har sagt ja til, at en koordinator kontakter os"), required=False
    )
    consent = forms.BooleanField(label=CONSENT_PURPOSE, required=False)

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("phone") and not data.get("email") and "phone" not in self.errors:
            self.add_error(
                "phone", _("Skriv dit telefonnummer eller din e-mail, så vi kan kontakte dig.")
            )
        if data.get("on_behalf"):
            if not data.get("on_behalf_of"):
                self.add_error("on_behalf_of", _("Skriv navnet på den, du skriver for."))
            if not data.get("on_behalf_consent"):
                self.add_error(
                    "on_behalf_consent",
                    _("Sæt kryds for, at personen har sagt ja til, at vi kontakter jer."),
                )
        else:
            data["on_behalf_of"] = ""
            data["on_behalf_consent"] = False
        if not data.get("consent"):
            self.add_error("consent", _("Sæt kryds, hvis vi må kontakte dig."))
        return data


class MoveForm(forms.Form):
    state = forms.CharField(max_length=20)
    entry = forms.ModelChoiceField(
        label=_lazy("Hvilket fællesskab?"),
        queryset=Entry.objects.filter(status=EntryStatus.PUBLISHED).order_by("title"),
        required=False,
    )
    note = forms.CharField(
        label=_lazy("Note (valgfri)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_lazy("Ny note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    coordinator = forms.IntegerField(required=False)


class ListForm(forms.Form):
    title = forms.CharField(label=_lazy("Titel"), max_length=120)
    theme = forms.ChoiceField(label=_lazy("Tema"), choices=ListTheme.choices)
    introduction = forms.CharField(
        label=_lazy("Introduktion"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ItemForm(forms.Form):
    entry = forms.ModelChoiceField(
        label=_lazy("Et fællesskab fra oversigten"),
        queryset=Entry.objects.filter(status=EntryStatus.PUBLISHED).order_by("title"),
        required=False,
    )
    url = forms.URLField(
        label=_lazy("Eller et link"), max_length=500, required=False, assume_scheme="https"
    )
    link_title = forms.CharField(label=_lazy("Linkets titel"), max_length=120, required=False)
    text = forms.CharField(label=_lazy("Kort tekst"), max_length=300, required=False)

    def clean_url(self) -> str:
        url = str(self.cleaned_data.get("url") or "")
        if url and not url.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Et link skal begynde med http:// eller https://."))
        return url

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        if (data.get("entry") is None) == (not data.get("url")):
            raise ValidationError(_("Vælg et fællesskab eller skriv et link – ikke begge dele."))
        if data.get("url") and not data.get("link_title"):
            self.add_error("link_title", _("Giv linket en titel."))
        return data


class ItemTextForm(forms.Form):
    text = forms.CharField(label=_lazy("Kort tekst"), max_length=300, required=False)
    link_title = forms.CharField(label=_lazy("Linkets titel"), max_length=120, required=False)
