"""Screenshots of the seeded demo community for README.md and docs/.

Always checks that the pages render for the demo accounts; writes the PNGs to
docs/screenshots/ only with SAMMEN_SCREENSHOTS=1 (see tools/screenshots.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DEMO_PASSWORD = "sammen-demo"  # the published demo password (seed_demo)
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115


def _shoot(page: Any, name: str) -> None:
    # The stylesheet is applied (a bare HTML screenshot would be useless).
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 241, 236)"
    if os.environ.get("SAMMEN_SCREENSHOTS") == "1":
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / f"{name}.png"))


def test_screenshots(live_server: Any, login_as: Any, demo: None) -> None:
    member = login_as(User.objects.get(email="member@example.org"), password=DEMO_PASSWORD)
    member.set_viewport_size(VIEWPORT)
    member.reload()  # without the one-off "logged in" message

    expect(member.get_by_role("heading", level=1)).to_have_text("Hej Birthe Jensen")
    expect(
        member.get_by_role("region", name="Mine grupper").get_by_role(
            "link", name="Sammen hver for sig"
        )
    ).to_be_visible()
    _shoot(member, "home")

    member.goto(live_server.url + "/groups/sammen-hver-for-sig/")
    subgroups = member.get_by_role("region", name="Undergrupper")
    for name in ("Strikkeklubben", "Læseklubben", "Gåturen"):
        expect(subgroups.get_by_role("link", name=name)).to_be_visible()
    _shoot(member, "group")

    outsider = login_as(User.objects.get(email="outsider@example.org"), password=DEMO_PASSWORD)
    outsider.set_viewport_size(VIEWPORT)
    outsider.goto(live_server.url + "/groups/sammen-hver-for-sig/")
    expect(outsider.get_by_role("link", name="Bed om at blive medlem")).to_be_visible()
    expect(outsider.get_by_role("main")).not_to_contain_text("Strikkeklubben")
    _shoot(outsider, "public-face")
