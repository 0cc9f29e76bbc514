"""WSGI entry point: plain HTTP only, for a WSGI server (bench/feed.py runs
gunicorn on it). WebSockets need the ASGI application (sammen.asgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sammen.settings")
application = get_wsgi_application()
