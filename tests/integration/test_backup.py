"""Backups (issue 17, docs/operations.md): bin/backup of the demo installation,
bin/restore into a fresh database and empty folders, and the demo group is
whole there: the same rows, the same photo files, a page that renders."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from .conftest import BIN, ROOT, _require_services

pytestmark = [pytest.mark.integration]

TABLES = (
    "accounts_user",
    "groups_group",
    "groups_membership",
    "groups_subgroup",
    "posts_post",
    "posts_comment",
    "posts_reaction",
    "insights_who5answer",
    "directory_entry",
    "scheduler_scheduledpost",
)


def _server_url(name: str) -> str:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{name}"


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout


def _env(db_url: str, var: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "SAMMEN_VAR_DIR": str(var),
        "MEDIA_ROOT": str(var / "media"),
        "PRIVATE_MEDIA_ROOT": str(var / "private"),
        "WEBPUSH_VAPID_KEY_FILE": str(var / "vapid_private.pem"),
        "DEBUG": "1",
        "PYTHON_BIN": str(BIN),
    }


def _counts(env: dict[str, str]) -> dict[str, int]:
    url = env["DATABASE_URL"]
    out = {}
    for table in TABLES:
        query = f"select count(*) from {table}"  # noqa: S608 (our own table names)
        value = _run(["psql", url, "-tAc", query], env)
        out[table] = int(value.strip())
    return out


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_a_backup_restores_into_a_fresh_database_with_the_demo_group_whole(
    tmp_path: Path,
) -> None:
    _require_services()
    tag = uuid.uuid4().hex[:8]
    source_db, target_db = f"sammen_backup_src_{tag}", f"sammen_backup_dst_{tag}"
    admin = _server_url("postgres")  # the maintenance database every server has
    source = _env(_server_url(source_db), tmp_path / "source")
    target = _env(_server_url(target_db), tmp_path / "target")
    _run(["psql", admin, "-c", f"create database {source_db}"], source)
    _run(["psql", admin, "-c", f"create database {target_db}"], source)
    try:
        _run([str(BIN / "python"), "manage.py", "migrate", "-v0"], source)
        _run([str(BIN / "python"), "manage.py", "seed_demo"], source)
        backup = Path(
            _run([str(ROOT / "bin" / "backup"), str(tmp_path / "backups")], source).split()[-1]
        )
        assert {"database.dump", "media.tar.gz", "private.tar.gz", "SHA256SUMS"} <= {
            p.name for p in backup.iterdir()
        }
        _run([str(ROOT / "bin" / "restore"), str(backup)], target)

        before, after = _counts(source), _counts(target)
        assert after == before and before["posts_post"] > 0 and before["directory_entry"] > 0
        assert _files(tmp_path / "target" / "private") == _files(tmp_path / "source" / "private")
        assert _files(tmp_path / "source" / "private")  # the demo's photos are there
        # The demo group, read through Django on the restored database.
        check = _run(
            [
                str(BIN / "python"),
                "manage.py",
                "shell",
                "-v0",
                "-c",
                "from django.test import Client\n"
                "from groups.models import Group\n"
                "from accounts.models import User\n"
                "from posts.models import PostImage\n"
                "g = Group.objects.get(name='Sammen hver for sig')\n"
                "c = Client(HTTP_HOST='localhost')\n"
                "c.force_login(User.objects.get(email='member@example.org'))\n"
                "r = c.get(g.get_absolute_url())\n"
                "missing = [i.pk for i in PostImage.objects.all()\n"
                "           if not i.image.storage.exists(i.image.name)]\n"
                "print(r.status_code, g.memberships.count(), len(missing))\n",
            ],
            target,
        )
        status, members, missing = check.split()[-3:]
        assert (status, missing) == ("200", "0") and int(members) > 30
        # A second restore into the now full database is refused.
        again = subprocess.run(
            [str(ROOT / "bin" / "restore"), str(backup)],
            cwd=ROOT,
            env=target,
            capture_output=True,
            text=True,
        )
        assert again.returncode == 1 and "not empty" in again.stderr
    finally:
        for name in (source_db, target_db):
            subprocess.run(
                ["psql", admin, "-c", f"drop database if exists {name} with (force)"],
                capture_output=True,
            )
