"""seed_demo leaves the demo group's moderation queue with realistic items."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from groups.models import Group
from moderation.models import AuditEntry, Case, CaseState, ModerationSettings
from posts.models import ContentState, Post

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_items_in_the_queue_and_a_short_log(mailoutbox: list[Any]) -> None:
    call_command("seed_demo", "--force", stdout=StringIO())
    group = Group.objects.get(slug="sammen-hver-for-sig")
    open_cases = Case.objects.filter(group=group, state=CaseState.OPEN)
    assert open_cases.count() >= 4
    assert open_cases.filter(has_concern=True).count() == 1
    assert open_cases.exclude(held_reason="").count() == 1
    assert Post.objects.filter(group=group, state=ContentState.HIDDEN).count() == 1
    assert Case.objects.filter(group=group, state=CaseState.RESOLVED).count() == 2
    assert AuditEntry.objects.filter(group=group, actor__isnull=False).count() >= 4
    assert "Livslinien" in ModerationSettings.objects.get(group=group).concern_help_text
    assert mailoutbox == []  # seeding does not e-mail the demo staff

    call_command("seed_demo", "--force", stdout=StringIO())
    assert Case.objects.filter(group=group).count() == open_cases.count() + 2
