"""Static files for production: our own CSS and JavaScript minified, then
fingerprinted and pre-compressed by ServeStatic (issue 18).

Every file this storage writes goes through `_save()`: collectstatic's copy
and the manifest's hashed copies (named after a hash of the source, read from
static/, so the name changes whenever the source does). ServeStatic then
writes gzip and Brotli twins of what was written, and its middleware serves
the hashed names as immutable (cached for ten years: a change is a new name).
Minifying is idempotent, so a stylesheet written again after its url()s were
rewritten comes out the same. Vendored files that are minified already
(`*.min.js`) are written as they are.
"""

from __future__ import annotations

from typing import Any

import rcssmin
import rjsmin
from django.core.files.base import ContentFile
from servestatic.storage import CompressedManifestStaticFilesStorage


def minify(name: str, text: str) -> str | None:
    """The minified text of a CSS or JavaScript file, or None for others."""
    if name.endswith(".min.js") or name.endswith(".min.css"):
        return None
    if name.endswith(".css"):
        return str(rcssmin.cssmin(text))
    if name.endswith(".js"):
        return str(rjsmin.jsmin(text))
    return None


class MinifiedManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def _save(self, name: str, content: Any) -> str:
        if name.endswith((".css", ".js")):
            content.seek(0)
            small = minify(name, content.read().decode("utf-8"))
            if small is None:
                content.seek(0)
            else:
                content = ContentFile(small.encode("utf-8"))
        return str(super()._save(name, content))
