"""The main pages are valid HTML by the Nu HTML Checker (issue 18: an audit
found 314 errors from hx-* attributes, ws-connect and <time datetime> values
with microseconds).

The checker is the `vnu-jar` package from npm, run with Java:

    npm install --prefix var/tools/vnu vnu-jar

(or VNU_JAR=/path/to/vnu.jar). Where Java or the jar is missing the test is
skipped, saying so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from groups.models import Group
from posts import services
from posts.models import Post
from tests.conftest import make_membership, make_user

pytestmark = pytest.mark.usefixtures("in_memory_channel_layer", "fresh_cache")

JAR = Path(
    os.environ.get(
        "VNU_JAR",
        Path(settings.BASE_DIR) / "var/tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar",
    )
)


def _checker() -> list[str]:
    java = shutil.which("java")
    if java is None or not JAR.is_file():
        pytest.skip(f"the Nu HTML Checker needs Java and {JAR} (npm install vnu-jar)")
    return [java, "-Xss16m", "-jar", str(JAR)]


def vnu_errors(checker: list[str], pages: dict[str, str], folder: Path) -> list[str]:
    """The checker's errors for each page, as 'name:line: message'."""
    files = []
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    proc = subprocess.run(
        [*checker, "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=180,
    )
    report = json.loads(proc.stderr or proc.stdout or '{"messages": []}')
    return [
        f"{Path(m.get('url', '')).stem}:{m.get('lastLine', '?')}: {m.get('message')}"
        for m in report["messages"]
        if m.get("type") == "error"
    ]


@pytest.fixture
def busy_post(group: Group, member: User, admin: User) -> Post:
    other = make_user("other@example.org", "Bodil Bruun")
    make_membership(other, group)
    post = services.post_create(
        actor=other, group=group, body="Gåtur ved **søen** i morgen kl. 10", theme="aktiv"
    )
    comment = services.comment_create(actor=admin, post=post, body="Jeg tager kaffe med")
    services.comment_create(actor=other, post=post, body="Dejligt", parent_id=comment.pk)
    services.reaction_set(actor=admin, post=post, kind="love")
    services.reaction_set(actor=member, post=post, kind="hug")
    services.reaction_set(actor=other, post=post, kind="like", comment=comment)
    return post


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_main_pages_are_valid_html(
    client_for: Callable[[User | None], Client],
    member: User,
    group: Group,
    busy_post: Post,
    tmp_path: Path,
) -> None:
    checker = _checker()
    slug = group.slug
    anonymous = client_for(None)
    reader = client_for(member)
    pages = {
        "landing": _get(anonymous, "/"),
        "login": _get(anonymous, "/accounts/login/"),
        "group-public": _get(anonymous, f"/groups/{slug}/"),
        "home": _get(reader, "/"),
        "group": _get(reader, f"/groups/{slug}/"),
        "post": _get(reader, busy_post.get_absolute_url()),
        "reactions": _get(reader, f"/groups/{slug}/posts/{busy_post.pk}/reactions/"),
        "react": _get(reader, f"/groups/{slug}/posts/{busy_post.pk}/react/"),
        "groups": _get(reader, "/groups/"),
        "notifications": _get(reader, "/notifications/"),
        "profile": _get(reader, "/profile/"),
        "directory": _get(reader, "/faellesskaber/"),
    }
    assert vnu_errors(checker, pages, tmp_path) == []
    # What the checker does not ask for but the audit did: a description on every page.
    assert [
        name for name, html in pages.items() if '<meta name="description" content="' not in html
    ] == []


def test_the_checker_finds_what_the_audit_found(tmp_path: Path) -> None:
    """The test above would catch the audit's two causes."""
    checker = _checker()
    page = (
        '<!DOCTYPE html><html lang="da"><head><title>x</title></head><body>'
        '<div hx-ext="ws" ws-connect="/ws/"><time datetime="2026-12-07T03:53:28.907701+01:00">'
        "i dag</time></div></body></html>"
    )
    errors = vnu_errors(checker, {"bad": page}, tmp_path)
    assert any("hx-ext" in e for e in errors)
    assert any("ws-connect" in e for e in errors)
    assert any("datetime" in e for e in errors)
