"""The site's URLs with the e-mail provider's webhooks, as sammen.urls has
them when ANYMAIL_WEBHOOK_SECRET is set at start."""

from django.urls import include, path

from sammen.urls import urlpatterns as site

urlpatterns = [path("anymail/", include("anymail.urls")), *site]
