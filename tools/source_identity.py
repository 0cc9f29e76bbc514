"""Make the Danish catalogue an identity translation after makemessages.

Danish is the source language: every msgstr equals its msgid. makemessages
leaves new entries empty (or fuzzy-matched to a neighbour); this sets them
all, so only the English catalogue needs a translator. Run by `make messages`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

PATH = Path(__file__).resolve().parents[1] / "locale" / "da" / "LC_MESSAGES" / "django.po"


def main() -> int:
    catalogue = polib.pofile(str(PATH))
    for entry in catalogue:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgid_plural = None
    catalogue.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
