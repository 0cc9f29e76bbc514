from celery import shared_task


@shared_task(name="sammen.ping")
def ping() -> str:
    """A round trip through the broker and a worker; used by health checks."""
    return "pong"
