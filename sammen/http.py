"""HTTP helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404


def private_file(stored: Any, *, max_age: int) -> FileResponse:
    """A stored file of a closed group (a photo), for a reader whose permission
    the caller has checked. Private: a shared cache must never hand it on."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = "image/png" if stored.name.endswith(".png") else "image/jpeg"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response
