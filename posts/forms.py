from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from posts.models import ALT_MAX_LENGTH, BODY_MAX_LENGTH, COMMENT_MAX_LENGTH, MAX_IMAGES, Theme
from posts.services import PhotoUpload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


THEME_CHOICES = [("", _("Intet tema")), *Theme.choices]


class PhotosFormMixin(forms.Form):
    """Up to MAX_IMAGES photos and a line of description for each: the post
    composer and the weekly plan's post form."""

    photos = MultipleImageField(
        label=_("Billeder"),
        required=False,
        help_text=_("Op til %(n)d billeder (JPEG, PNG, WebP eller HEIC).") % {"n": MAX_IMAGES},
        # The browser's own button speaks the browser's language ("Choose Files"):
        # static/js/sammen-photos.js puts a Danish one and a count in its place,
        # from these texts; without JavaScript the native control stays.
        widget=MultipleFileInput(
            attrs={
                "accept": "image/jpeg,image/png,image/webp,image/heic,.heic",
                "data-photo-picker": "",
                "data-choose": _("Vælg billeder"),
                "data-none": _("Ingen billeder valgt"),
                "data-one": _("1 billede valgt"),
                "data-many": _("{n} billeder valgt"),
            }
        ),
    )
    alt_texts = forms.CharField(
        label=_("Beskriv billederne med ord"),
        required=False,
        max_length=(ALT_MAX_LENGTH + 1) * MAX_IMAGES,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Én linje pr. billede, i samme rækkefølge. Så kan alle, også dem der bruger "
            "skærmlæser, få glæde af dem."
        ),
    )

    def clean_photos(self) -> list[Any]:
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_IMAGES:
            raise forms.ValidationError(
                _("Du kan højst vedhæfte %(n)d billeder til et opslag.") % {"n": MAX_IMAGES}
            )
        return photos

    def photo_uploads(self) -> list[PhotoUpload]:
        alts = [line.strip() for line in (self.cleaned_data.get("alt_texts") or "").splitlines()]
        return [
            PhotoUpload(file=f, alt_text=alts[i] if i < len(alts) else "")
            for i, f in enumerate(self.cleaned_data.get("photos") or [])
        ]


class PostForm(PhotosFormMixin):
    field_order = ["body", "theme", "photos", "alt_texts", "pinned"]

    body = forms.CharField(
        label=_("Hvad vil du dele?"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "data-mentions": "true"}),
        help_text=_("Du kan skrive *kursiv*, **fed**, lister og links. Nævn et medlem med @navn."),
        error_messages={"required": _("Skriv noget, før du deler opslaget.")},
    )
    theme = forms.ChoiceField(
        label=_("Tema (ABC for mental sundhed)"),
        choices=THEME_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    pinned = forms.BooleanField(label=_("Fastgør øverst i gruppen"), required=False)

    def __init__(self, *args: Any, can_pin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_pin:
            del self.fields["pinned"]


class PostEditForm(forms.Form):
    body = forms.CharField(
        label=_("Tekst"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Skriv noget, før du gemmer opslaget.")},
    )
    theme = forms.ChoiceField(
        label=_("Tema"), choices=THEME_CHOICES, required=False, widget=forms.RadioSelect
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Skriv en kommentar"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Skriv noget, før du sender kommentaren.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
