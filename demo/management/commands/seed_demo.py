"""Create the demo community people try Sammen through. Idempotent.

One part per module of the demo app: the group, its people and sub-groups
(demo.people), three weeks of content (demo.content), the weekly plan
(demo.plan), a moderation queue with a short log (demo.moderation) and
notifications whose times follow the content (demo.notifications). Content
goes through the apps' services, like a member's would.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from demo.content import seed_content
from demo.directory import seed_directory
from demo.directory_work import WORK_ACCOUNTS, seed_directory_work
from demo.insights import seed_insights
from demo.moderation import seed_moderation
from demo.notifications import seed_notifications
from demo.people import DEMO_ACCOUNTS, GROUP_NAME, PASSWORD, seed_people
from demo.plan import seed_plan
from groups.models import Role, SubGroup


class Command(BaseCommand):
    help = "Create (or top up) the demo community 'Sammen hver for sig' and its accounts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (not for real sites)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates accounts with a known "
                "password. Use --force if this really is a demo site."
            )
        # The demo's concern flag must not e-mail the demo staff at every start.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            seed()
        self.stdout.write(self.style.SUCCESS("Demo community ready: %s" % GROUP_NAME))
        self.stdout.write("Demo accounts (password: %s):" % PASSWORD)
        for email, name, role in DEMO_ACCOUNTS:
            label = (
                role.label
                if isinstance(role, Role)
                else ("pending request" if email.startswith("pending") else "in no group")
            )
            self.stdout.write(f"  {email:<24} {name:<22} {label}")
        for email, name, directory_role in WORK_ACCOUNTS:
            self.stdout.write(f"  {email:<24} {name:<22} {directory_role.label}")


def seed() -> None:
    people = seed_people()
    group, accounts, admin, members = (
        people["group"],
        people["accounts"],
        people["admin"],
        people["members"],
    )
    seed_content(
        group=group,
        staff=[admin, accounts["staff@example.org"], accounts["moderator@example.org"]],
        members=[accounts["member@example.org"], *members],
        subgroups={s.slug: s for s in SubGroup.objects.filter(group=group)},
        knitter=accounts["member@example.org"],
    )
    seed_plan(group=group, planners=[accounts["staff@example.org"], admin])
    seed_moderation(
        group=group,
        admin=admin,
        moderator=accounts["moderator@example.org"],
        members=members,
    )
    seed_notifications(
        group=group,
        member=accounts["member@example.org"],
        staff=accounts["staff@example.org"],
        moderator=accounts["moderator@example.org"],
    )
    seed_insights(
        group=group,
        staff=accounts["staff@example.org"],
        members=members,
        subgroup=SubGroup.objects.get(group=group, slug="strikkeklubben"),
    )
    # The public directory of communities (issue 15). Its second half (entries
    # waiting for approval, stale ones, inspiration lists, coordinator requests)
    # builds on what this returns: the areas, types, target groups and entries.
    directory = seed_directory(admin=admin, group=group)
    seed_directory_work(demo=directory, submitter=accounts["member@example.org"])
