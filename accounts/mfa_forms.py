"""allauth's security-key forms with a Danish label on the key's name.

allauth declares the field without a label, so Django shows its English
attribute name ("Name") on the Danish page. Named in settings.MFA_FORMS."""

from __future__ import annotations

from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django import forms
from django.utils.translation import gettext_lazy as _


class AddSecurityKeyForm(AddWebAuthnForm):
    name = forms.CharField(label=_("Navn"), required=False)


class EditSecurityKeyForm(EditWebAuthnForm):
    name = forms.CharField(label=_("Navn"), required=True)
