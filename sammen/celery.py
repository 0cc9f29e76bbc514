"""The Celery application: `celery -A sammen worker` and `celery -A sammen beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sammen.settings")

app = Celery("sammen")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
