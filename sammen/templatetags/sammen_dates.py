"""`{{ value|when:"datetime" }}`: Django's `date` filter (local time) with a
style from sammen.dates, in the reader's language. Loaded for every template
(TEMPLATES "builtins" in sammen/settings.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter

from sammen.dates import FORMATS, format_for

register = template.Library()


@register.filter(expects_localtime=True)
def when(value: Any, style: str = "datetime") -> Any:
    # expects_localtime: the template engine hands over local time, as to `date`.
    if style not in FORMATS:
        raise template.TemplateSyntaxError(f"when: unknown style {style!r}")
    return date_filter(value, format_for(style))
