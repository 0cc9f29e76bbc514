from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    from posts.models import REACTION_EMOJI, ReactionKind

    return {
        "SITE_NAME": settings.SITE_NAME,
        # The reaction buttons, in order: (kind, emoji, label, unused).
        "REACTIONS": [(k.value, REACTION_EMOJI[k], k.label, 0) for k in ReactionKind],
    }
