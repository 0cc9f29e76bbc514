"""What every template may show of posts without a view passing it."""

from __future__ import annotations

from django.http import HttpRequest

from posts.models import REACTION_EMOJI, ReactionKind


def reactions(request: HttpRequest) -> dict[str, object]:
    # The reaction buttons, in order: (kind, emoji, label, unused).
    return {"REACTIONS": [(k.value, REACTION_EMOJI[k], k.label, 0) for k in ReactionKind]}
