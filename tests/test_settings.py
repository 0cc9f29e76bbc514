"""Production settings: `check --deploy` is clean, and no secret means no start."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return python(str(ROOT / "manage.py"), *args, env=env, tmp_path=tmp_path)


def python(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # A clean environment, as on a fresh server: nothing inherited from the test
    # process (pytest plugins set variables such as DJANGO_ALLOW_ASYNC_UNSAFE).
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, *args],
        env={**base, "SAMMEN_VAR_DIR": str(tmp_path), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_with_debug_off_gives_no_warnings(tmp_path: Path) -> None:
    alphabet = string.ascii_letters + string.digits + string.punctuation.replace("$", "")
    secret = "".join(secrets.choice(alphabet) for _ in range(60))

    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DEBUG": "0",
            "SECRET_KEY": secret,
            "ALLOWED_HOSTS": "example.org",
            "SITE_URL": "https://example.org",
        },
        tmp_path=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_settings_refuse_to_start_with_debug_off_and_no_secret_key(tmp_path: Path) -> None:
    result = manage("check", env={"DEBUG": "0", "ALLOWED_HOSTS": "example.org"}, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_embedded_default_needs_no_environment(tmp_path: Path) -> None:
    env = {k: "" for k in ("DATABASE_URL", "REDIS_URL")}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_cache_shares_one_redis_pool_between_threads() -> None:
    """Django gives each thread its own cache object; under ASGI each request
    is a new thread, so without a shared pool every page connected anew."""
    import threading

    import pytest
    from django.conf import settings
    from django.core.cache import caches

    if not settings.REDIS_URL:
        pytest.skip("the embedded default caches in memory")
    pools, clients = [], []

    def in_thread() -> None:
        cache = caches["default"]
        cache.set("sammen-test-key", "værdi", 5)
        assert cache.get("sammen-test-key") == "værdi"
        pools.append(cache._cache._get_connection_pool(write=False))
        clients.append(cache._cache.get_client())

    threads = [threading.Thread(target=in_thread) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert pools[0] is pools[1]
    # One client too: Django would build a redis.Redis (a third of a ms) per call.
    assert clients[0] is clients[1]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "DB_POOL_MAX_SIZE",
            "ti",
            "DB_POOL_MAX_SIZE must be a whole number of at least 1, not 'ti'.",
        ),
        (
            "DB_POOL_MAX_SIZE",
            "0",
            "DB_POOL_MAX_SIZE must be a whole number of at least 1, not '0'.",
        ),
        ("SCHEDULER_POLL_SECONDS", "-5", "SCHEDULER_POLL_SECONDS must be a number of at least 0.5"),
        ("EMAIL_PORT", "smtp", "EMAIL_PORT must be a whole number of at least 1, not 'smtp'."),
    ],
)
def test_a_bad_number_in_the_environment_is_named(
    name: str, value: str, message: str, tmp_path: Path
) -> None:
    result = manage("check", env={name: value}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_web_process_keeps_its_start_up_objects_out_of_full_collections(
    tmp_path: Path,
) -> None:
    """sammen/asgi.py freezes what is loaded at start-up and collects the young
    generation less often: full collections on a busy socket process paused
    every socket's messages for 120-220 ms (docs/performance.md)."""
    import json

    code = (
        "import gc, json, sammen.asgi; "
        "print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0]]))"
    )
    result = python("-c", code, env={"SCHEDULER_IN_PROCESS": "0"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    frozen, threshold = json.loads(result.stdout.strip().splitlines()[-1])
    assert frozen > 50_000
    assert threshold >= 10_000


def test_the_deploy_check_wants_an_https_site_url_for_links_in_mail(settings: Any) -> None:
    from sammen.checks import site_url_for_links_in_mail

    settings.SITE_URL = ""
    assert [w.id for w in site_url_for_links_in_mail()] == ["sammen.W001"]
    settings.SITE_URL = "https://sammen.horsens.dk"
    assert site_url_for_links_in_mail() == []


@pytest.mark.parametrize(
    ("redis_url", "extra", "prefix"),
    [
        ("redis://127.0.0.1:6379/3", {}, "sammen3"),
        ("redis://127.0.0.1:6379", {}, "sammen0"),
        ("redis://127.0.0.1:6379/3", {"CHANNEL_LAYER_BACKEND": "core"}, "sammen3"),
        ("redis://127.0.0.1:6379/3", {"CHANNEL_LAYER_PREFIX": "horsens"}, "horsens"),
    ],
)
def test_the_channel_layer_is_prefixed_by_the_redis_database(
    tmp_path: Path, redis_url: str, extra: dict[str, str], prefix: str
) -> None:
    """Redis pub/sub channels are server-wide: installations (or test runs and
    benchmarks) on different databases of one Redis server must not hear each
    other's events (a soak run saw another session's bell counts)."""
    result = python(
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CHANNEL_LAYERS['default']['CONFIG']['prefix'])",
        env={
            "DJANGO_SETTINGS_MODULE": "sammen.settings",
            "REDIS_URL": redis_url,
            **extra,
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == prefix
