"""What moderation tells the apps above it, inside the writing transaction
(send, not send_robust: a failing receiver rolls the write back)."""

from django.dispatch import Signal

# An author was told the outcome of moderation (a Notice was written).
# Arguments: notice.
author_told = Signal()

# A case came into a group's queue, or an open case got a concern for a member.
# Arguments: case, concern (bool), actor (the reporter, or None for the system).
case_needs_attention = Signal()
