"""Static files as production serves them (issue 18): our CSS and JavaScript
minified, every file fingerprinted in ServeStatic's manifest and cached for at
least a year, and no script that blocks rendering in a page's <head>."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory

from sammen.staticfiles import StaticFilesMiddleware
from tests.conftest import make_group, make_user

SOURCE = Path(settings.BASE_DIR) / "static"
YEAR = 365 * 24 * 3600


@pytest.fixture
def collected(settings: Any, tmp_path: Path) -> dict[str, str]:
    """collectstatic into a folder of the test's own, with production's storage."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "sammen.staticstorage.MinifiedManifestStaticFilesStorage"},
    }
    settings.SERVESTATIC_USE_FINDERS = False
    settings.SERVESTATIC_AUTOREFRESH = False
    call_command("collectstatic", "--noinput", "-v0")
    manifest = json.loads((settings.STATIC_ROOT / "staticfiles.json").read_text())
    return dict(manifest["paths"])


@pytest.mark.parametrize("name", ["css/sammen.css", "js/sammen-live.js", "js/sammen-bell.js"])
def test_our_css_and_javascript_are_served_minified_under_a_hashed_name(
    collected: dict[str, str], settings: Any, name: str
) -> None:
    hashed = collected[name]
    assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", hashed)
    served = (settings.STATIC_ROOT / hashed).read_text()
    source = (SOURCE / name).read_text()
    assert len(served) < 0.85 * len(source)
    assert "/*" not in served and "\n  " not in served
    assert (settings.STATIC_ROOT / (hashed + ".gz")).is_file()


def test_vendored_minified_files_are_copied_as_they_are(
    collected: dict[str, str], settings: Any
) -> None:
    name = "js/vendor/htmx-2.0.11.min.js"
    served = (settings.STATIC_ROOT / collected[name]).read_bytes()
    assert served == (SOURCE / name).read_bytes()


def test_the_stylesheets_pictures_are_named_by_hash_too(
    collected: dict[str, str], settings: Any
) -> None:
    css = (settings.STATIC_ROOT / collected["css/sammen.css"]).read_text()
    for url in re.findall(r"url\(['\"]?([^'\")]+)", css):
        if not url.startswith("data:"):
            assert re.search(r"\.[0-9a-f]{12}\.", url), url


@pytest.mark.django_db
def test_a_hashed_file_is_cached_for_at_least_a_year(collected: dict[str, str]) -> None:
    middleware = StaticFilesMiddleware(lambda request: HttpResponse("not static"))
    request = RequestFactory().get(settings.STATIC_URL + collected["css/sammen.css"])
    response = middleware(request)
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))  # type: ignore[union-attr]
    assert max_age >= YEAR and "immutable" in cache_control


@pytest.mark.django_db
def test_no_page_has_a_script_that_blocks_rendering(client: Client) -> None:
    user = make_user("laeser@example.org", "Lis Læser")
    group = make_group("Strikkeklubben", admin=user)
    pages = [client.get("/").content.decode(), client.get("/accounts/login/").content.decode()]
    client.force_login(user)
    pages += [client.get(url).content.decode() for url in ("/", group.get_absolute_url())]
    for html in pages:
        head = html[: html.index("</head>")]
        assert "<script" not in head
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag and " defer" in tag, tag
