"""Privacy benchmark (issue 16): the export ("Hent mine data") and the
deletion ("Slet min konto") of a member with 5,000 posts, 20,000 reactions
and 2,000 photos.

    .venv/bin/python bench/privacy.py              # the issue's sizes
    .venv/bin/python bench/privacy.py --scale 0.1

A fresh PostgreSQL database (default sammen_bench_privacy) is migrated and
filled with INSERT ... SELECT generate_series: a group with 200 members; for
each of two measured members, --posts posts (one in 20 with an earlier
version), --comments comments, one reaction on each of --reactions posts by
others, and --photos photos, each stored in two sizes (a 1600 px display
JPEG and a 480 px thumbnail, hard links to one real file of each size, so the
disk holds them once while the storage sees distinct files). Each measurement
runs in a child process of its own (the embedded default's in-process tasks,
no broker), which reports its wall time and peak memory (ru_maxrss): the
export of member A, the deletion of member A with "Slet alt" and of member B
with "Anonymisér". Progress goes to stderr; the last line on stdout is one
JSON object. Targets: export <= 60 s and <= 200 MiB; deletion <= 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

EXPORT_SECONDS = 60
EXPORT_MIB = 200
DELETE_SECONDS = 60
PRIVATE = c.ROOT / "var" / "bench-private-privacy"


def env_for(dbname: str) -> dict[str, str]:
    env = c.base_env(dbname, PRIVATE_MEDIA_ROOT=str(PRIVATE), ACCOUNT_DELETION_GRACE_DAYS="0")
    env["REDIS_URL"] = ""  # tasks in the measuring process, as in the embedded default
    return env


def photo_files() -> tuple[str, str]:
    """One display-size and one thumbnail JPEG of a realistic size."""
    from PIL import Image

    folder = PRIVATE / "posts" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for side, label in ((1600, "display"), (480, "thumb")):
        # A photo-like picture: smooth colour with some grain (noise alone would
        # not compress at all; a flat colour would compress to nothing).
        size = (side, side * 3 // 4)
        image = Image.merge(
            "RGB",
            (
                Image.linear_gradient("L").resize(size),
                Image.effect_noise(size, 12).point(lambda v: v // 2 + 60),
                Image.radial_gradient("L").resize(size),
            ),
        )
        path = folder / f"source-{label}.jpg"
        image.save(path, format="JPEG", quality=85)
        names.append(str(path.relative_to(PRIVATE)))
    return names[0], names[1]


def fill(person: Any, group: Any, others: list[int], sizes: dict[str, int], tag: str) -> None:
    from django.db import connection, transaction

    display, thumb = photo_files()
    n_posts, n_photos = sizes["posts"], sizes["photos"]
    assert n_photos <= n_posts
    t0 = time.monotonic()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM posts_post")
        first = cur.fetchone()[0] + 1
        cur.execute(
            """
            INSERT INTO posts_post (group_id, subgroup_id, author_id, body, body_html, theme,
                pinned, state, created_at, edited_at, comment_count, reaction_count, version)
            SELECT %s, NULL, %s, 'Mit opslag ' || g || ': en tur i skoven med @Karin Kurv.',
                '<p>Mit opslag ' || g || ': en tur i skoven med @Karin Kurv.</p>', 'aktiv',
                false, (ARRAY['visible','visible','visible','hidden','pending'])[1 + g %% 5],
                now() - g * interval '1 hour', NULL, 0, 0, 0
            FROM generate_series(0::bigint, %s - 1) AS g ORDER BY g
            """,
            [group.pk, person.pk, n_posts],
        )
        cur.execute(
            """
            INSERT INTO posts_postrevision (post_id, body, edited_at, edited_by_id)
            SELECT id, 'Tidligere tekst', created_at, author_id FROM posts_post
            WHERE author_id = %s AND id %% 20 = 0
            """,
            [person.pk],
        )
        # Photos on the first n_photos posts: rows here, files (hard links) below.
        cur.execute(
            """
            INSERT INTO posts_postimage (post_id, image, thumbnail, width, height, alt_text,
                position)
            SELECT %s + g, 'posts/bench/' || %s || '-' || g || '.jpg',
                'posts/bench/' || %s || '-' || g || '-thumb.jpg', 1600, 1200,
                'Billede ' || g || ' fra turen', 0
            FROM generate_series(0::bigint, %s - 1) AS g
            """,
            [first, tag, tag, n_photos],
        )
        # Others' posts the person reacts to and comments on.
        cur.execute("SELECT coalesce(max(id), 0) FROM posts_post")
        first_other = cur.fetchone()[0] + 1
        cur.execute(
            """
            INSERT INTO posts_post (group_id, subgroup_id, author_id, body, body_html, theme,
                pinned, state, created_at, edited_at, comment_count, reaction_count, version)
            SELECT %s, NULL, (%s::bigint[])[1 + g %% %s],
                CASE WHEN g < %s THEN 'Hej @' || %s || ', se her ' || g ELSE 'Se her ' || g END,
                CASE WHEN g < %s THEN '<p>Hej @' || %s || ', se her</p>' ELSE '<p>Se her</p>' END,
                '', false, 'visible', now() - g * interval '1 minute', NULL, 0, 1, 0
            FROM generate_series(0::bigint, %s - 1) AS g ORDER BY g
            """,
            [
                group.pk,
                others,
                len(others),
                sizes["mentions"],
                person.display_name,
                sizes["mentions"],
                person.display_name,
                sizes["reactions"],
            ],
        )
        cur.execute(
            """
            INSERT INTO posts_reaction (user_id, post_id, comment_id, kind, created_at)
            SELECT %s, %s + g, NULL, 'like', now()
            FROM generate_series(0::bigint, %s - 1) AS g
            """,
            [person.pk, first_other, sizes["reactions"]],
        )
        cur.execute(
            """
            INSERT INTO posts_mention (user_id, post_id, comment_id, created_at)
            SELECT %s, %s + g, NULL, now() FROM generate_series(0::bigint, %s - 1) AS g
            """,
            [person.pk, first_other, sizes["mentions"]],
        )
        cur.execute(
            """
            INSERT INTO posts_comment (post_id, parent_id, author_id, body, body_html, state,
                created_at, edited_at, reaction_count)
            SELECT %s + g %% %s, NULL, %s, 'Min kommentar ' || g, '<p>Min kommentar</p>',
                'visible', now(), NULL, 0
            FROM generate_series(0::bigint, %s - 1) AS g
            """,
            [first_other, sizes["reactions"], person.pk, sizes["comments"]],
        )
    for g in range(n_photos):
        for source, target in ((display, f"{tag}-{g}.jpg"), (thumb, f"{tag}-{g}-thumb.jpg")):
            path = PRIVATE / "posts" / "bench" / target
            if not path.exists():
                os.link(PRIVATE / source, path)
    c.log(f"filled {tag} in {time.monotonic() - t0:.1f}s")


def build(args: argparse.Namespace, env: dict[str, str]) -> None:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from groups.models import Membership, MembershipStatus
    from groups.services import group_create

    founder = User.objects.create_user(
        email="stab@bench.invalid", display_name="Bente Stab", is_staff=True
    )
    group = group_create(actor=founder, name="Privatliv", description="Benchmark-gruppe.")
    password = make_password(None)
    people = User.objects.bulk_create(
        [
            User(email=f"m{i}@bench.invalid", display_name=f"Medlem {i}", password=password)
            for i in range(200)
        ]
    )
    a = User.objects.create_user(email="a@bench.invalid", display_name="Astrid Andersen")
    b = User.objects.create_user(email="b@bench.invalid", display_name="Bodil Bertelsen")
    Membership.objects.bulk_create(
        [Membership(user=u, group=group, status=MembershipStatus.ACTIVE) for u in [*people, a, b]]
    )
    sizes = {
        "posts": int(5000 * args.scale),
        "reactions": int(20000 * args.scale),
        "photos": int(2000 * args.scale),
        "comments": int(2000 * args.scale),
        "mentions": int(1000 * args.scale),
    }
    others = [u.pk for u in people]
    fill(a, group, others, sizes, "a")
    fill(b, group, others, sizes, "b")
    with open(PRIVATE / "ids.json", "w") as out:
        json.dump({"a": a.pk, "b": b.pk, "sizes": sizes}, out)


def child(args: argparse.Namespace) -> None:
    """One measurement, in this process; prints one JSON line."""
    env = env_for(args.db)
    c.django_setup(env)
    from django.db import connection, reset_queries

    from accounts.models import User
    from privacy import services
    from privacy.models import DeletionRequest
    from privacy.storage import export_storage

    ids = json.loads((PRIVATE / "ids.json").read_text())
    user = User.objects.get(pk=ids[args.who])
    reset_queries()
    t0 = time.monotonic()
    result: dict[str, Any] = {}
    if args.child == "export":
        row = services.export_request(actor=user)
        row.refresh_from_db()
        if row.state != "ready":  # eager tasks run after commit, already done
            services.export_build(export_id=row.pk)
            row.refresh_from_db()
        result["seconds"] = round(time.monotonic() - t0, 2)
        result["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        result["bytes"] = row.size
        with export_storage().open(row.file_name, "rb") as handle:
            names = zipfile.ZipFile(handle).namelist()
        result["photos_in_zip"] = sum(1 for n in names if n.startswith("billeder/"))
    else:
        services.deletion_request(actor=user, mode=args.child)
        row = DeletionRequest.objects.get(pk=DeletionRequest.objects.latest("pk").pk)
        result["seconds"] = round(time.monotonic() - t0, 2)
        result["state"] = row.state
        result["user_left"] = User.objects.filter(pk=user.pk).exists()
    result.setdefault(
        "peak_mib", round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    )
    connection.close()
    print(json.dumps(result))


def measure(args: argparse.Namespace, what: str, who: str) -> dict[str, Any]:
    out = subprocess.run(
        [str(c.PY), __file__, "--db", args.db, "--child", what, "--who", who],
        cwd=c.ROOT,
        env=env_for(args.db),
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    c.log(what, who, result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", default="sammen_bench_privacy")
    parser.add_argument("--child", choices=["export", "everything", "anonymise"])
    parser.add_argument("--who", choices=["a", "b"], default="a")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    shutil.rmtree(PRIVATE, ignore_errors=True)
    PRIVATE.mkdir(parents=True)
    c.recreate_database(args.db)
    env = env_for(args.db)
    c.migrate(env)
    c.django_setup(env)
    build(args, env)
    sizes = json.loads((PRIVATE / "ids.json").read_text())["sizes"]
    export = measure(args, "export", "a")
    delete_all = measure(args, "everything", "a")
    anonymise = measure(args, "anonymise", "b")
    files_left = sum(1 for p in (PRIVATE / "posts" / "bench").glob("a-*"))
    report = {
        "bench": "privacy",
        "scale": args.scale,
        "sizes": sizes,
        "export_s": export["seconds"],
        "export_peak_mib": export["peak_mib"],
        "export_mib": round(export["bytes"] / 2**20, 1),
        "export_photos": export["photos_in_zip"],
        "delete_everything_s": delete_all["seconds"],
        "delete_everything_peak_mib": delete_all["peak_mib"],
        "delete_anonymise_s": anonymise["seconds"],
        "photo_files_left_after_slet_alt": files_left,
        "targets": {
            "export_s": EXPORT_SECONDS,
            "export_mib": EXPORT_MIB,
            "delete_s": DELETE_SECONDS,
        },
        "met": export["seconds"] <= EXPORT_SECONDS
        and export["peak_mib"] <= EXPORT_MIB
        and delete_all["seconds"] <= DELETE_SECONDS
        and anonymise["seconds"] <= DELETE_SECONDS
        and delete_all["state"] == "done"
        and anonymise["state"] == "done",
    }
    shutil.rmtree(PRIVATE, ignore_errors=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
