"""One JSON line per request for operators (issue 17): request id, the person
as a keyed hash, method, path without the query, status and time."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from groups.models import Group

pytestmark = pytest.mark.django_db


def lines(caplog: Any) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "sammen.requests"]


def test_a_request_is_one_json_line_without_who_or_what_was_searched(
    caplog: Any, client_for: Any, member: User, group: Group
) -> None:
    caplog.set_level(logging.INFO, logger="sammen.requests")
    response = client_for(member).get(group.get_absolute_url() + "?q=min+hemmelighed")
    assert response.status_code == 200
    (line,) = lines(caplog)
    assert line["method"] == "GET" and line["status"] == 200
    assert line["path"] == group.get_absolute_url()  # no query string
    assert isinstance(line["ms"], float) and line["ms"] >= 0
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32
    raw = json.dumps(line)
    assert line["user"] and str(member.pk) != line["user"]
    assert member.email not in raw and member.display_name not in raw and "hemmelighed" not in raw


def test_the_same_person_has_the_same_hash_and_anonymous_none(
    caplog: Any, client_for: Any, member: User, group: Group
) -> None:
    caplog.set_level(logging.INFO, logger="sammen.requests")
    client = client_for(member)
    client.get("/")
    client.get(group.get_absolute_url())
    Client().get("/")
    first, second, anonymous = lines(caplog)
    assert first["user"] == second["user"] and anonymous["user"] is None


def test_the_proxys_request_id_is_kept_when_sane(caplog: Any) -> None:
    caplog.set_level(logging.INFO, logger="sammen.requests")
    kept = Client().get("/", HTTP_X_REQUEST_ID="abc-123_DEF.456")
    assert kept["X-Request-ID"] == "abc-123_DEF.456"
    replaced = Client().get("/", HTTP_X_REQUEST_ID="bad id\nwith a newline")
    assert replaced["X-Request-ID"] != "bad id\nwith a newline"
    assert [line["request_id"] for line in lines(caplog)] == [
        "abc-123_DEF.456",
        replaced["X-Request-ID"],
    ]


def test_the_log_line_never_asks_the_database(caplog: Any, client_for: Any, member: User) -> None:
    """A page that never looked at the person (a static-like answer such as
    /healthz) is logged without them, and without a query for them: with the
    database down, the log line must not turn the Danish error page into a
    crash."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    caplog.set_level(logging.INFO, logger="sammen.requests")
    client = client_for(member)
    with CaptureQueriesContext(connection) as queries:
        client.get("/healthz")
    assert not any("accounts_user" in q["sql"] for q in queries.captured_queries)
    assert lines(caplog)[-1]["user"] is None
