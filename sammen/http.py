"""HTTP helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest


def private_file(stored: Any, *, name: str, max_age: int) -> FileResponse:
    """A private stored file (a photo of a closed group), for a reader whose
    permission the caller has checked.

    `name` is what the browser is told the file is called (derived from the
    object's id by the caller): the stored name never leaves the server. Cached
    by the reader's own browser only, never by a shared cache."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    is_png = stored.name.endswith(".png")
    content_type = "image/png" if is_png else "image/jpeg"
    response = FileResponse(
        handle, content_type=content_type, filename=f"{name}.{'png' if is_png else 'jpg'}"
    )
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response


def messages_from_error(request: HttpRequest, exc: ValidationError) -> None:
    """Show each message of a refused write on the next page (for actions that
    redirect rather than show their form again)."""
    for message in exc.messages:
        messages.error(request, message)
