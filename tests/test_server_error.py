"""A server error (a database gone in the middle of a request, a bug) is
answered in Danish: the page to a browser, one sentence to a form sent with
htmx, which shows the answer as text. Never a traceback."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import get_resolver, path

from sammen import views

pytestmark = pytest.mark.django_db


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("database gone")


urlpatterns = [path("broken/", _broken)]
handler500 = "sammen.views.server_error"


def test_the_project_answers_server_errors_with_its_own_handler() -> None:
    assert get_resolver().resolve_error_handler(500) is views.server_error


@pytest.mark.urls(__name__)
def test_a_browser_gets_the_danish_error_page() -> None:
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert '<html lang="da">' in body and "Der skete en fejl" in body
    assert "database gone" not in body and "Traceback" not in body


@pytest.mark.urls(__name__)
def test_a_form_sent_with_htmx_gets_one_danish_sentence() -> None:
    response = Client(raise_request_exception=False).post("/broken/", HTTP_HX_REQUEST="true")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "Der skete en fejl hos os. Prøv igen om lidt."
