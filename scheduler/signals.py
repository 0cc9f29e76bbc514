"""What the scheduler tells the apps above it, inside the writing transaction."""

from django.dispatch import Signal

# A planned post could not be published (it is marked failed, with the reason).
# Arguments: scheduled.
scheduled_post_failed = Signal()
