"""What the directory tells the apps above it, inside the writing transaction.

Receivers run in the sender's transaction (`send`, not `send_robust`): a
receiver that fails rolls the write back, so a decision and what people are
told about it never disagree.
"""

from django.dispatch import Signal

# An editor decided on a submitted entry or an edit of one. Arguments: entry,
# actor (the editor), decision ("approved", "declined", "changes_requested"),
# reason (what the editor wrote, may be ""), recipient_id (the submitter).
entry_decided = Signal()

# An entry was hidden because its contact did not confirm it in time.
# Arguments: entry, editor_ids (the directory's editors to tell).
entry_hidden_stale = Signal()
