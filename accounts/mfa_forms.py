"""allauth's two-factor forms, where their texts fail people on a Danish page.
Named in settings.MFA_FORMS."""

from __future__ import annotations

from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django import forms
from django.utils.translation import gettext_lazy as _

# allauth declares the key's name field without a label, so Django showed its
# English attribute name ("Name").


class AddSecurityKeyForm(AddWebAuthnForm):
    name = forms.CharField(label=_("Navn"), required=False)


class EditSecurityKeyForm(EditWebAuthnForm):
    name = forms.CharField(label=_("Navn"), required=True)


class CodeAuthenticateForm(AuthenticateForm):
    """The code after the password. allauth answers every wrong code with
    "Forkert kode.", which does not tell someone why a recovery code they
    copied correctly fails: it was used before."""

    def clean_code(self) -> str:
        try:
            return super().clean_code()
        except forms.ValidationError as error:
            if error.code != "incorrect_code":  # e.g. too many attempts: said as it is
                raise
            raise forms.ValidationError(
                _(
                    "Koden passer ikke. En kode fra autentificeringsappen gælder kun i et "
                    "halvt minut, og hver gendannelseskode virker kun én gang: brug en, "
                    "du ikke har brugt før."
                ),
                code="incorrect_code",
            ) from None
