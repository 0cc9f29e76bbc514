"""The one function that turns a member's Markdown into HTML we store.

Markdown is parsed with raw HTML disabled (markdown-it-py escapes it), then
the output goes through bleach with a small allowlist, so even a parser bug
cannot let a tag, attribute or URL scheme through that we did not name. Bare
URLs become links; every link gets rel="nofollow noopener ugc".
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from functools import partial
from typing import Any

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a", "h3", "h4", "code"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "rel", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"

# No images, tables or raw HTML: members attach photos as photos.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
    ["image", "html_block", "html_inline", "code", "fence"]
)
_HEADING = re.compile(r"<(/?)h([1-6])>")


def _heading_level(match: re.Match[str]) -> str:
    # Post text sits under the page's own h1/h2: # and ## become h3, the rest h4.
    level = 3 if int(match.group(2)) <= 2 else 4
    return f"<{match.group(1)}h{level}>"


def _set_rel(attrs: MutableMapping[Any, str], new: bool = False) -> Any:
    # bleach's documented contract: returning None drops the link, keeps its text.
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href.startswith(("http://", "https://", "mailto:")):
        return None
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"code"}, parse_email=False)],
)


def render_markdown(text: str) -> str:
    """Markdown → safe HTML. Idempotent, pure, and the only place this happens."""
    html = _md.render(text or "")
    html = _HEADING.sub(_heading_level, html)
    return _cleaner.clean(html).strip()
