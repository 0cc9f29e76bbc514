"""The demo community's group, people and sub-groups (seed_demo's first part)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from groups.models import (
    Group,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Role,
    SubGroup,
    SubGroupMembership,
    SubGroupMembershipStatus,
    Visibility,
)

PASSWORD = "sammen-demo"  # noqa: S105 - the published demo password
GROUP_NAME = "Sammen hver for sig"
GROUP_SLUG = "sammen-hver-for-sig"
DESCRIPTION = (
    "Et trygt fællesskab for borgere i kommunen, der har lyst til at dele lyspunkter, "
    "inspiration og hverdag med andre. Vi bruger ABC for mental sundhed: gør noget aktivt, "
    "gør noget sammen, gør noget meningsfuldt.\n\n"
    "Sund By's medarbejdere lægger opslag op hver uge med idéer til gåture, opskrifter, "
    "bøger, håndarbejde og meget mere. Del dine egne billeder og historier, og kig forbi "
    "undergrupperne, hvis du vil være en del af et mindre fællesskab."
)
RULES = (
    "Vær venlig og respektfuld. Her er plads til alle.\n"
    "Del lyspunkter, inspiration og det, der optager dig – også de svære dage.\n"
    "Det, der bliver delt i gruppen, bliver i gruppen.\n"
    "Ingen reklame, salg eller politisk kampagne.\n"
    "Har du brug for hjælp med det samme, så ring til Livslinien på 70 201 201.\n"
    "Administratorerne kan fjerne opslag, der bryder reglerne."
)
QUESTIONS = [
    "Hvad håber du at få ud af at være med i gruppen?",
    "Bor du i kommunen, eller hvordan har du hørt om os?",
]

DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    # email, display name, role in the group ("" = none)
    ("admin@example.org", "Ingunn Sørensen", Role.ADMIN),
    ("staff@example.org", "Christian Gregersen", Role.STAFF),
    ("moderator@example.org", "Kristina Rahbek", Role.MODERATOR),
    ("member@example.org", "Birthe Jensen", Role.MEMBER),
    ("pending@example.org", "Poul Andersen", ""),
    ("outsider@example.org", "Ole Kristensen", ""),
]

FIRST_NAMES = [
    "Anne",
    "Hanne",
    "Kirsten",
    "Lone",
    "Mette",
    "Susanne",
    "Grethe",
    "Inge",
    "Jytte",
    "Karen",
    "Lis",
    "Bente",
    "Else",
    "Ruth",
    "Aase",
    "Lene",
    "Tove",
    "Jens",
    "Peter",
    "Lars",
    "Henrik",
    "Søren",
    "Niels",
    "Hans",
    "Jørgen",
    "Erik",
    "Bent",
    "Preben",
    "Flemming",
    "Kurt",
    "Arne",
    "Mogens",
    "Finn",
    "Leif",
    "Torben",
    "Svend",
    "Aksel",
    "Ebbe",
    "Villy",
    "Gitte",
]
LAST_NAMES = [
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Knudsen",
    "Lund",
    "Holm",
    "Frederiksen",
    "Kjær",
    "Bach",
    "Damgaard",
    "Overgaard",
    "Skov",
    "Vestergaard",
    "Bak",
]

SUBGROUPS: list[dict[str, Any]] = [
    {
        "name": "Strikkeklubben",
        "slug": "strikkeklubben",
        "description": "Vi deler mønstre, billeder af det, vi har på pindene, og gode råd. "
        "Alle kan være med, også begyndere.",
        "cap": None,
        "policy": JoinPolicy.OPEN,
        "members": 9,
    },
    {
        "name": "Læseklubben",
        "slug": "laeseklubben",
        "description": "Én bog om måneden og en snak om den bagefter. Facilitatoren foreslår "
        "bøgerne, men alle kan komme med idéer.",
        "cap": None,
        "policy": JoinPolicy.OPEN,
        "members": 7,
    },
    {
        "name": "Gåturen",
        "slug": "gaaturen",
        "description": "En lille gruppe, der går en tur sammen hver tirsdag kl. 10 fra "
        "biblioteket. Vi er højst otte, så alle kan følges ad og snakke.",
        "cap": 8,
        "policy": JoinPolicy.REQUEST,
        "members": 8,
    },
]


def demo_user(email: str, name: str, is_staff: bool = False) -> User:
    """A demo account with a verified address and the demo password (created once)."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD, display_name=name)
        if is_staff:
            # The demo admin may also found new groups and open Django admin.
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed_people() -> dict[str, Any]:
    """The demo group, its accounts and memberships, and its sub-groups (idempotent).

    Written directly, as fixtures: they carry join dates weeks in the past and
    verified e-mail addresses, which no service offers (and should not)."""
    rng = random.Random(2020)  # same names every time
    now = timezone.now()
    group, _created = Group.objects.get_or_create(
        slug=GROUP_SLUG,
        defaults={
            "name": GROUP_NAME,
            "description": DESCRIPTION,
            "rules": RULES,
            "questions": QUESTIONS,
            "visibility": Visibility.CLOSED,
            "created_at": now - timedelta(days=60),
        },
    )

    accounts: dict[str, User] = {}
    for email, name, role in DEMO_ACCOUNTS:
        user = demo_user(email, name, is_staff=email == "admin@example.org")
        accounts[email] = user
        if role:
            Membership.objects.get_or_create(
                user=user,
                group=group,
                defaults={
                    "role": role,
                    "status": MembershipStatus.ACTIVE,
                    "requested_at": now - timedelta(days=59),
                    "joined_at": now - timedelta(days=59),
                    "decided_at": now - timedelta(days=59),
                },
            )
    admin = accounts["admin@example.org"]
    Group.objects.filter(pk=group.pk, created_by__isnull=True).update(created_by=admin)

    Membership.objects.get_or_create(
        user=accounts["pending@example.org"],
        group=group,
        defaults={
            "status": MembershipStatus.PENDING,
            "requested_at": now - timedelta(hours=5),
            "answers": [
                {"question": QUESTIONS[0], "answer": "At møde nogen at gå tur med."},
                {"question": QUESTIONS[1], "answer": "Jeg bor i Hatting og så det i avisen."},
            ],
        },
    )

    names: list[str] = []
    seen = {name for _e, name, _r in DEMO_ACCOUNTS}
    while len(names) < 36:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    members: list[User] = []
    for i, name in enumerate(names, start=1):
        user = demo_user(f"medlem{i:02d}@example.org", name)
        Membership.objects.get_or_create(
            user=user,
            group=group,
            defaults={
                "role": Role.MEMBER,
                "status": MembershipStatus.ACTIVE,
                "requested_at": now - timedelta(days=58 - i),
                "joined_at": now - timedelta(days=57 - i),
                "decided_at": now - timedelta(days=57 - i),
                "decided_by": admin,
            },
        )
        members.append(user)

    facilitators = [accounts["staff@example.org"], members[0], members[1]]
    for spec, facilitator in zip(SUBGROUPS, facilitators, strict=True):
        sub, _ = SubGroup.objects.get_or_create(
            group=group,
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "member_cap": spec["cap"],
                "join_policy": spec["policy"],
                "facilitator": facilitator,
            },
        )
        if sub.memberships.exists():
            continue
        wanted = [facilitator]
        if spec["slug"] == "strikkeklubben":
            wanted.append(accounts["member@example.org"])
        pool = [m for m in members if m not in wanted]
        rng.shuffle(pool)
        wanted += pool[: spec["members"] - len(wanted)]
        for user in wanted:
            SubGroupMembership.objects.create(
                subgroup=sub,
                user=user,
                status=SubGroupMembershipStatus.ACTIVE,
                joined_at=now - timedelta(days=30),
            )

    return {
        "group": group,
        "accounts": accounts,
        "admin": admin,
        "members": members,
    }
