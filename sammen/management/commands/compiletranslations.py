"""Compile locale/*/LC_MESSAGES/django.po to .mo in pure Python (polib).

Django's own compilemessages needs GNU gettext's msgfmt, which a fresh machine
may not have; `make run` must work with nothing but Python installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po catalogues to .mo files (no GNU gettext needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"Cannot read {po_path}: {exc}") from exc
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                compiled += 1
                if options["verbosity"] > 1:
                    self.stdout.write(f"compiled {po_path}")
        if not compiled:
            raise CommandError("No .po files found under LOCALE_PATHS.")
        self.stdout.write(self.style.SUCCESS(f"Compiled {compiled} catalogue(s)."))
