from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import (
    HELP_TEXT_MAX_LENGTH,
    KEYWORDS_MAX_LENGTH,
    MAX_MUTE_DAYS,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    AuthorAction,
    Decision,
    FlagReason,
)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Hvorfor anmelder du indlægget?"),
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Vælg en af grundene på listen."),
            "invalid_choice": _("Vælg en af grundene på listen."),
        },
    )
    note = forms.CharField(
        label=_("Uddyb gerne (kun moderatorerne ser det)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Indlægget"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg, hvad der skal ske med indlægget.")},
    )
    author_action = forms.ChoiceField(
        label=_("Forfatteren"), choices=AuthorAction.choices, required=False
    )
    mute_days = forms.IntegerField(
        label=_("Antal dage på pause"),
        min_value=1,
        max_value=MAX_MUTE_DAYS,
        required=False,
        initial=3,
    )
    reason = forms.CharField(
        label=_("Begrundelse (forfatteren ser den)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkForm(forms.Form):
    decision = forms.ChoiceField(label=_("Gør med de valgte"), choices=Decision.choices)
    reason = forms.CharField(
        label=_("Begrundelse (forfatterne ser den)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SettingsForm(forms.Form):
    flag_threshold = forms.IntegerField(
        label=_("Antal anmeldelser, før et indlæg skjules"),
        min_value=1,
        max_value=50,
        help_text=_("Anmeldelser fra forskellige medlemmer. Bekymringer tæller ikke med."),
    )
    hold_first_posts = forms.IntegerField(
        label=_("Hold et nyt medlems første opslag tilbage"),
        min_value=0,
        max_value=50,
        help_text=_("Så mange opslag skal godkendes af en moderator. 0 slår det fra."),
    )
    held_keywords = forms.CharField(
        label=_("Ord, der holder et indlæg tilbage"),
        required=False,
        max_length=KEYWORDS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ét ord eller udtryk pr. linje. Store og små bogstaver er ligegyldige."),
    )
    concern_help_text = forms.CharField(
        label=_("Hjælpetekst ved bekymring for et medlem"),
        required=False,
        max_length=HELP_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Vises for den, der melder bekymring: hvor man kan få hjælp nu."),
    )
