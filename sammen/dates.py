"""Dates and times in the reader's language.

Each style's format is a translatable string (context "date format"), so a
Danish page says "22. november 2026 13:24" and an English one
"November 22, 2026, 13:24". Templates use `{{ value|when:"datetime" }}`
(sammen/templatetags/sammen_dates.py); Python uses `formats.date_format(value,
format_for("date"))`.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

FORMATS = {
    # With year and time: posts, edits, pauses, invitations.
    "datetime": pgettext_lazy("date format", "j. F Y H:i"),
    "date": pgettext_lazy("date format", "j. F Y"),
    # Within the year: comments, flags. Short months with "b" ("nov"): Django's
    # "M" capitalises them ("Nov"), which is English style, not Danish.
    "day_time": pgettext_lazy("date format", "j. F H:i"),
    "day_month": pgettext_lazy("date format", "j. F"),
    "short_date": pgettext_lazy("date format", "j. b Y"),
    "short_datetime": pgettext_lazy("date format", "j. b Y H:i"),
    "weekday_date": pgettext_lazy("date format", "l j. F"),
    "short_weekday_time": pgettext_lazy("date format", "D j. b H:i"),
    "weekday_datetime": pgettext_lazy("date format", "l j. F Y \\k\\l. H:i"),
}


def format_for(style: str) -> str:
    """The active language's format string for `style` (a FORMATS key)."""
    return str(FORMATS[style])
