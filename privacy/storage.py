"""Where export archives live: the private storage (sammen/storage.py), in a
folder of their own. Never below MEDIA_ROOT: no URL maps to them; only the
owner's download view streams one."""

from __future__ import annotations

from django.core.files.storage import Storage

from sammen.storage import private_storage

FOLDER = "exports"


def export_storage() -> Storage:
    return private_storage()
