"""System checks for what settings alone cannot promise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register  # noqa: A004 - Django's name

from sammen.storage import is_within


@register()
def private_media_outside_public_roots(**kwargs: Any) -> list[Error]:
    """Private files must not sit below a folder that a public route serves
    (MEDIA_ROOT, STATIC_ROOT), nor hold one: either way a path on /media/ or
    /static/ could reach them."""
    private = settings.PRIVATE_MEDIA_ROOT
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, name, None)
        if public and (is_within(private, public) or is_within(public, private)):
            errors.append(
                Error(
                    f"PRIVATE_MEDIA_ROOT ({private}) and {name} ({public}) overlap.",
                    hint="Put private files in a folder of their own, outside every "
                    "folder that is served publicly.",
                    id="sammen.E001",
                )
            )
    return errors


@register(deploy=True)
def site_url_for_links_in_mail(**kwargs: Any) -> list[Warning]:
    """Links in e-mails (the one-click unsubscribe link among them) are built
    from SITE_URL: without it they are bare paths no mail client can open."""
    url = str(getattr(settings, "SITE_URL", "") or "")
    if url.startswith("https://"):
        return []
    return [
        Warning(
            f"SITE_URL is {url!r}: links in e-mails need the public https address.",
            hint="Set SITE_URL=https://<the site's host> in the environment.",
            id="sammen.W001",
        )
    ]
