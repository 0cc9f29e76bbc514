"""Sessions end where the person wants them to (issue 17): "Log ud på alle
enheder" ends every session on every device and closes every open live
socket; a new password ends the other sessions and closes their sockets."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import User
from tests.conftest import PASSWORD
from tests.notifications.test_consumer import bell

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_channel_layer"),
]


def logged_in(user: User) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_logged_in(client: Client) -> bool:
    return client.get(reverse("notifications")).status_code == 200


def test_log_out_everywhere_ends_every_session_and_says_so(member: User) -> None:
    phone, computer, tablet = logged_in(member), logged_in(member), logged_in(member)
    assert all(is_logged_in(c) for c in (phone, computer, tablet))
    profile = computer.get(reverse("profile-edit")).content.decode()
    assert "Log ud på alle enheder" in profile
    response = computer.post(reverse("logout-everywhere"), follow=True)
    assert "Du er logget ud på alle enheder, også denne." in response.content.decode()
    assert not any(is_logged_in(c) for c in (phone, computer, tablet))
    # Logging in again works as before.
    assert is_logged_in(logged_in(member))


def test_log_out_everywhere_needs_a_post_and_a_login(member: User) -> None:
    client = logged_in(member)
    assert client.get(reverse("logout-everywhere")).status_code == 405
    assert is_logged_in(client)
    anonymous = Client().post(reverse("logout-everywhere"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_a_new_password_ends_the_other_sessions_but_not_this_one(member: User) -> None:
    here, elsewhere = logged_in(member), logged_in(member)
    response = here.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "et-helt-nyt-kodeord-77",
            "password2": "et-helt-nyt-kodeord-77",
        },
    )
    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)


def test_log_out_everywhere_closes_every_open_socket(member: User, staff: User) -> None:
    async def scenario() -> None:
        mine, another_device, someone_else = bell(member), bell(member), bell(staff)
        for socket in (mine, another_device, someone_else):
            assert (await socket.connect())[0]
            await socket.receive_json_from()
        await database_sync_to_async(services.sessions_end_everywhere)(actor=member)
        for socket in (mine, another_device):
            assert (await socket.receive_output(timeout=2))["type"] == "websocket.close"
        assert await someone_else.receive_nothing(timeout=0.3)
        await someone_else.disconnect()

    async_to_sync(scenario)()


def test_a_password_change_closes_the_sockets(member: User) -> None:
    async def scenario() -> None:
        socket = bell(member)
        assert (await socket.connect())[0]
        await socket.receive_json_from()
        await database_sync_to_async(services.sockets_close_for_password_change)(user_id=member.pk)
        assert (await socket.receive_output(timeout=2))["type"] == "websocket.close"

    async_to_sync(scenario)()


def test_sessions_from_before_the_generation_stay_valid(member: User, settings: Any) -> None:
    """Generation 0 is Django's own session hash: deploying this logs no one out."""
    from django.contrib.auth.base_user import AbstractBaseUser

    assert member.session_generation == 0
    assert member.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(member)
