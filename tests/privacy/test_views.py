"""The pages: the authorization matrix, re-authentication, and bad input
answered with a clear Danish message, nothing half-done and no 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from privacy import services
from privacy.models import DeletionRequest, ExportRequest, ExportState
from tests.conftest import (
    LOGIN,
    MatrixRow,
    assert_answer,
    make_membership,
    make_user,
    matrix_params,
)
from tests.privacy.conftest import reauthenticated_client

# Everyone reaches the privacy page; every other page is one's own (log in first).
MATRIX: list[MatrixRow] = [
    ("privacy-page", "get", (200, 200, 200, 200, 200, 200, 200, 200)),
    ("privacy-export", "get", (LOGIN, 200, 200, 200, 200, 200, 200, 200)),
    ("privacy-export", "post", (LOGIN, 302, 302, 302, 302, 302, 302, 302)),
    ("privacy-export-download", "get", (LOGIN, 404, 404, 404, 404, 404, 404, 404)),
    ("privacy-delete", "get", (LOGIN, 200, 200, 200, 200, 200, 200, 200)),
    ("privacy-delete", "post", (LOGIN, 302, 302, 302, 302, 302, 302, 302)),
    ("privacy-delete-requested", "get", (200, 200, 200, 200, 200, 200, 200, 200)),
    ("privacy-consents", "get", (LOGIN, 200, 200, 200, 200, 200, 200, 200)),
    ("privacy-consent-withdraw", "post", (LOGIN, 404, 404, 404, 404, 404, 404, 404)),
]


def url(name: str) -> str:
    if name == "privacy-export-download":
        return reverse(name, kwargs={"token": "nobody-has-this-token"})
    if name == "privacy-consent-withdraw":
        return reverse(name, kwargs={"consent_id": 999999})
    return reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "role", "expected"), matrix_params(MATRIX))
def test_privacy_matrix(
    name: str,
    method: str,
    role: str,
    expected: Any,
    everyone: dict[str, User | None],
    client_for: Any,
) -> None:
    viewer = everyone[role]
    client = client_for(viewer)
    response = client.post(url(name)) if method == "post" else client.get(url(name))
    assert_answer(response, expected, f"{role} {method} {name}")
    if method == "post" and name in ("privacy-export", "privacy-delete") and viewer is not None:
        # Without typing the password again nothing is done: off to allauth's page.
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        assert not ExportRequest.objects.exists() and not DeletionRequest.objects.exists()


def ready_export(user: User, **kwargs: Any) -> ExportRequest:
    row = services.export_request(actor=user)
    services.export_build(export_id=row.pk)
    row.refresh_from_db()
    return row


@pytest.mark.django_db
def test_a_member_orders_and_downloads_their_export_after_reauthenticating(
    member: User, django_capture_on_commit_callbacks: Any, eager_tasks: None
) -> None:
    client = reauthenticated_client(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy-export"), follow=True)
    assert "Vi er gået i gang" in response.content.decode()
    row = ExportRequest.objects.get(user=member)
    assert row.state == ExportState.READY
    page = client.get(reverse("privacy-export")).content.decode()
    link = reverse("privacy-export-download", kwargs={"token": row.token})
    assert link in page
    download = client.get(link)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content)[:2] == b"PK"


@pytest.mark.django_db
def test_someone_elses_export_link_is_404(member: User, other_member: User) -> None:
    row = ready_export(member)
    client = Client()
    client.force_login(other_member)
    link = reverse("privacy-export-download", kwargs={"token": row.token})
    assert client.get(link).status_code == 404
    assert Client().get(link).status_code == 302  # log in first; then 404 as above


@pytest.mark.django_db
def test_an_expired_link_says_so_in_danish_and_the_file_is_gone(
    member: User, settings: Any
) -> None:
    row = ready_export(member)
    client = Client()
    client.force_login(member)
    link = reverse("privacy-export-download", kwargs={"token": row.token})
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.get(link)
    assert response.status_code == 410
    assert "kan ikke længere hentes" in response.content.decode()
    row.refresh_from_db()
    assert row.state == ExportState.EXPIRED and row.file_name == ""
    assert not list((settings.PRIVATE_MEDIA_ROOT / "exports").glob("*.zip"))


@pytest.mark.django_db
def test_a_second_export_the_same_day_is_refused_in_danish(
    member: User, django_capture_on_commit_callbacks: Any, eager_tasks: None
) -> None:
    client = reauthenticated_client(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy-export"))
        response = client.post(reverse("privacy-export"), follow=True)
    assert "allerede bestilt en kopi af dine data i dag" in response.content.decode()
    assert ExportRequest.objects.filter(user=member).count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert services.export_request(actor=member)


@pytest.mark.django_db
def test_deleting_asks_for_a_choice_and_a_confirmation(member: User) -> None:
    client = reauthenticated_client(member)
    response = client.post(reverse("privacy-delete"), {"mode": "anonymise"})
    assert response.status_code == 400
    assert "Sæt kryds for at bekræfte" in response.content.decode()
    assert not DeletionRequest.objects.exists()


@pytest.mark.django_db
def test_deleting_logs_out_and_tells_the_date(
    member: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ACCOUNT_DELETION_GRACE_DAYS = 14
    client = reauthenticated_client(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("privacy-delete"), {"mode": "anonymise", "confirm": "on"}, follow=True
        )
    body = response.content.decode()
    assert "Vi sletter din konto den" in body
    assert "Log ind før den dato" in body
    assert client.get(reverse("profile-edit")).status_code == 302
    assert DeletionRequest.objects.get().mode == "anonymise"


@pytest.mark.django_db
def test_the_profile_page_offers_both_and_the_footer_links_the_privacy_page(
    member: User,
) -> None:
    client = Client()
    client.force_login(member)
    page = client.get(reverse("profile-edit")).content.decode()
    assert "Hent mine data" in page and "Slet min konto" in page
    assert reverse("privacy-page") in page
    public = Client().get(reverse("privacy-page")).content.decode()
    assert "strengt nødvendige" in public and "Databeskyttelsesrådgiver" in public


@pytest.fixture
def other_member(group: Any) -> User:
    user = make_user("anden@example.org", "Anden Person")
    make_membership(user, group)
    return user


@pytest.mark.django_db
def test_export_orders_over_the_rate_limit_are_refused_in_danish(
    member: User, settings: Any, eager_tasks: None
) -> None:
    """Besides one export a day: the orders themselves are limited (issue 17),
    so the next day's order is not a way around the daily rule's cost."""
    settings.SAMMEN_RATE_LIMITS = {**settings.SAMMEN_RATE_LIMITS, "export": {"user": "1/h"}}
    client = reauthenticated_client(member)
    client.post(reverse("privacy-export"))
    response = client.post(reverse("privacy-export"), follow=True)
    assert "Du har bestilt mange kopier af dine data på kort tid." in response.content.decode()
    assert ExportRequest.objects.filter(user=member).count() == 1
