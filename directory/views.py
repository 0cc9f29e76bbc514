"""The public directory's pages (thin: forms, selectors, services)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def coordinator_request_placeholder(request: HttpRequest) -> HttpResponse:
    """Placeholder until D2's request form replaces it (same URL name)."""
    return render(request, "directory/coordinator_placeholder.html")
