"""The ABC for mental sundhed themes (Aktiv, Sammen, Meningsfuld).

They live here, in the lowest layer, because posts, the scheduler, insights and
the directory all tag things with them and apps on one layer may not import
each other.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Theme(models.TextChoices):
    """ABC for mental sundhed."""

    AKTIV = "aktiv", _("Aktiv")
    SAMMEN = "sammen", _("Sammen")
    MENINGSFULD = "meningsfuld", _("Meningsfuld")
