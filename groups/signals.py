"""What groups tells the apps above it, inside the writing transaction.

Receivers run in the sender's transaction (`send`, not `send_robust`): a
receiver that fails rolls the decision back, so a decision and its record
never disagree.
"""

from django.dispatch import Signal

# A membership decision or role change was made (approve, decline, remove, ban,
# unban, mute, role change, sub-group decisions). Arguments: group, actor,
# action (a moderation log action code), user_id, reason, detail.
membership_action = Signal()

# Someone asked to join a group. Arguments: membership (pending).
membership_requested = Signal()

# An active membership ended: the member left, was removed or was banned.
# Arguments: group, user_id (whose), joined_at (when it began), how ("left",
# "removed", "banned"). Receivers that keep statistics must not store user_id.
membership_ended = Signal()
