"""The first card on a page loads its first photo at once (issue 18).

Every card (posts/partials/post.html) is cached per post and shared by every
place it shows, so it cannot know it is first: each photo in it is lazy. The
page that places the cards knows, and turns the first photo of its first card
eager here, on the cached HTML, without a second cache entry per card."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

LAZY = ' loading="lazy"'
EAGER = ' fetchpriority="high"'


@register.filter
def first_photo_eager(card: str) -> SafeString | str:
    """The card with its first photo not lazy and fetched first (the page's
    largest picture, likely in view at once); a card without photos as it was."""
    photos = card.find('<ul class="photos')
    if photos == -1:
        return card
    at = card.find(LAZY, photos)
    if at == -1:
        return card
    html = card[:at] + EAGER + card[at + len(LAZY) :]
    return mark_safe(html) if isinstance(card, SafeString) else html  # noqa: S308 - the card's own HTML
