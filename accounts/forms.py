from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from sammen.images import process_image


class SignupExtraForm(forms.Form):
    """Extra field on allauth's sign-up form: the name others will see."""

    display_name = forms.CharField(
        label=_("Dit navn"),
        max_length=60,
        help_text=_("Det navn, de andre medlemmer ser. For eksempel dit fornavn og efternavn."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Skriv det navn, du vil vises med."))
        return name

    def signup(self, request: HttpRequest, user: User) -> None:
        """allauth's hook; AccountAdapter.save_user already stored the name."""


class ProfileForm(forms.ModelForm):
    remove_avatar = forms.BooleanField(label=_("Fjern mit profilbillede"), required=False)

    class Meta:
        model = User
        fields = ["display_name", "bio", "avatar"]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
            "avatar": forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Skriv det navn, du vil vises med."))
        return name

    def clean_avatar(self) -> Any:
        avatar = self.cleaned_data.get("avatar")
        if isinstance(avatar, UploadedFile):
            return process_image(avatar, max_side=256, square=True)
        return avatar
