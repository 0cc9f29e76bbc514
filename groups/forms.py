from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from groups.models import (
    ANSWER_MAX_LENGTH,
    MAX_QUESTIONS,
    QUESTION_MAX_LENGTH,
    Group,
    JoinPolicy,
    MembershipStatus,
    Role,
    SubGroup,
    Visibility,
)
from sammen.images import process_image


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Gruppens navn"), max_length=80)
    description = forms.CharField(
        label=_("Beskrivelse"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Alle kan læse beskrivelsen, også dem der ikke er medlemmer."),
    )
    rules = forms.CharField(
        label=_("Regler"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Nye medlemmer skal acceptere reglerne. Skriv én regel pr. linje."),
    )
    question_1 = forms.CharField(
        label=_("Spørgsmål 1 til nye medlemmer"), max_length=QUESTION_MAX_LENGTH, required=False
    )
    question_2 = forms.CharField(
        label=_("Spørgsmål 2 til nye medlemmer"), max_length=QUESTION_MAX_LENGTH, required=False
    )
    question_3 = forms.CharField(
        label=_("Spørgsmål 3 til nye medlemmer"), max_length=QUESTION_MAX_LENGTH, required=False
    )
    visibility = forms.ChoiceField(
        label=_("Synlighed"), choices=Visibility.choices, widget=forms.RadioSelect
    )
    cover = forms.FileField(
        label=_("Forsidebillede"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    cover_alt = forms.CharField(
        label=_("Beskriv billedet med ord"),
        max_length=200,
        required=False,
        help_text=_("Bruges af skærmlæsere. For eksempel: Fem personer på gåtur ved fjorden."),
    )
    remove_cover = forms.BooleanField(label=_("Fjern forsidebilledet"), required=False)

    @classmethod
    def initial_for(cls, group: Group) -> dict[str, Any]:
        questions = list(group.questions or []) + [""] * MAX_QUESTIONS
        return {
            "name": group.name,
            "description": group.description,
            "rules": group.rules,
            "question_1": questions[0],
            "question_2": questions[1],
            "question_3": questions[2],
            "visibility": group.visibility,
            "cover_alt": group.cover_alt,
        }

    def clean_cover(self) -> Any:
        cover = self.cleaned_data.get("cover")
        if isinstance(cover, UploadedFile):
            return process_image(cover, max_side=1600)
        return None

    @property
    def questions(self) -> list[str]:
        return [self.cleaned_data.get(f"question_{i}", "") for i in range(1, MAX_QUESTIONS + 1)]


class JoinForm(forms.Form):
    """Answers to the group's questions, plus accepting its rules."""

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        for i, question in enumerate(group.questions or []):
            self.fields[f"answer_{i}"] = forms.CharField(
                label=question,
                max_length=ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"required": _("Svar venligst på spørgsmålet.")},
            )
        self.fields["accept_rules"] = forms.BooleanField(
            label=_("Jeg har læst gruppens regler og vil overholde dem"),
            error_messages={
                "required": _("Du skal acceptere gruppens regler for at blive medlem.")
            },
        )

    @property
    def answers(self) -> list[str]:
        return [
            self.cleaned_data.get(f"answer_{i}", "") for i in range(len(self.group.questions or []))
        ]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Godkend")), ("decline", _("Afvis"))], widget=forms.HiddenInput
    )
    message = forms.CharField(
        label=_("Besked til personen (valgfri)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices)


class BanForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrundelse (valgfri, kun for administratorer)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InviteForm(forms.Form):
    valid_days = forms.TypedChoiceField(
        label=_("Linket gælder i"),
        coerce=int,
        choices=[(1, _("1 dag")), (7, _("7 dage")), (30, _("30 dage")), (90, _("90 dage"))],
        initial=7,
    )
    max_uses = forms.IntegerField(
        label=_("Højst antal personer"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Lad feltet være tomt, hvis alle med linket må bruge det."),
    )


class SubGroupForm(forms.Form):
    name = forms.CharField(label=_("Navn"), max_length=80)
    description = forms.CharField(
        label=_("Beskrivelse"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    member_cap = forms.IntegerField(
        label=_("Højst antal medlemmer"),
        min_value=1,
        max_value=10000,
        required=False,
        help_text=_("Lad feltet være tomt, hvis der ikke er nogen grænse."),
    )
    join_policy = forms.ChoiceField(
        label=_("Hvordan kommer man med?"),
        choices=JoinPolicy.choices,
        widget=forms.RadioSelect,
        initial=JoinPolicy.OPEN,
    )
    facilitator = forms.ModelChoiceField(
        label=_("Facilitator"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Ingen facilitator"),
        help_text=_("Et medlem, der holder gang i undergruppen og godkender nye."),
    )

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__group=group, memberships__status=MembershipStatus.ACTIVE
        ).order_by("display_name")

    @classmethod
    def initial_for(cls, sub: SubGroup) -> dict[str, Any]:
        return {
            "name": sub.name,
            "description": sub.description,
            "member_cap": sub.member_cap,
            "join_policy": sub.join_policy,
            "facilitator": sub.facilitator_id,
        }
