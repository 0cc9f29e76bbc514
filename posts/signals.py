"""What posts tells the apps above it, inside the writing transaction.

Receivers run in the sender's transaction (`send`, not `send_robust`): a
receiver that fails rolls the write back, so the two never disagree.
"""

from django.dispatch import Signal

# A post or comment was stored as pending because the hold policy said so
# (posts.holds). Arguments: post, comment (None for a post), reason.
content_held = Signal()

# A post or comment was published where readers see it (created visible).
# Arguments: post, comment (None for a post), actor.
content_published = Signal()

# Many posts were published at once, all visible (posts.services.post_create_many).
# Tells of each post what content_published and members_mentioned would tell of
# it alone (its author is the actor), so that receivers can do their work once
# for the lot. Arguments: posts (a list), mentioned ({post id: user ids named}).
posts_published = Signal()

# Members were named with @ in a visible post or comment.
# Arguments: post, comment (None for a post), actor, user_ids.
members_mentioned = Signal()

# A reaction was given or changed to another kind (not when taken back).
# Arguments: post, comment (None for a post), actor, kind.
reaction_given = Signal()

# A member opened a post's page (a real page view, not the author's own).
# Arguments: post, user.
post_viewed = Signal()
