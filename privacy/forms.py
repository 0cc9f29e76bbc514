from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from privacy.models import DeletionMode


class DeletionForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Hvad skal der ske med det, du har skrevet?"),
        choices=[
            (DeletionMode.EVERYTHING, _("Slet alt")),
            (DeletionMode.ANONYMISE, _("Anonymisér")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg «Slet alt» eller «Anonymisér».")},
    )
    confirm = forms.BooleanField(
        label=_("Ja, jeg vil have min konto slettet"),
        error_messages={"required": _("Sæt kryds for at bekræfte, at du vil slette din konto.")},
    )
