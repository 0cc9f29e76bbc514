"""A new person signs up, verifies from the e-mail, asks to join, is approved, sees the group."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from groups import services

from .conftest import logged_in_header, main_menu

NEW_EMAIL = "karen.holm@example.org"
NEW_NAME = "Karen Holm"
NEW_PASSWORD = "Strikkepind-og-kaffe-7"


@pytest.fixture
def community(make_user: Any, make_group: Any) -> dict[str, Any]:
    admin = make_user(display_name="Ingunn Sørensen", email="ingunn@example.org", is_staff=True)
    group = make_group(
        admin=admin,
        name="Sammen i Vejle",
        description="Et trygt fællesskab for borgere i kommunen.",
        rules="Vær venlig og respektfuld.\nDet, der bliver delt i gruppen, bliver i gruppen.",
        questions=["Hvad håber du at få ud af gruppen?", "Hvordan har du hørt om os?"],
    )
    services.subgroup_create(actor=admin, group=group, name="Strikkeklubben")
    services.subgroup_create(actor=admin, group=group, name="Gåturen", member_cap=8)
    return {"admin": admin, "group": group}


def test_new_person_signs_up_asks_to_join_and_is_admitted(
    live_server: Any, page: Any, login_as: Any, community: dict[str, Any]
) -> None:
    base = live_server.url
    group = community["group"]
    mail.outbox.clear()

    # --- The new person arrives and creates an account -------------------------
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fællesskab, hver for sig og sammen")
    main_menu(page).get_by_role("link", name="Opret konto").click()
    expect(page.get_by_role("heading", name="Opret konto", level=1)).to_be_visible()
    page.get_by_label("E-mail").fill(NEW_EMAIL)
    page.get_by_label("Dit navn").fill(NEW_NAME)
    page.get_by_label("Adgangskode", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Adgangskode (igen)").fill(NEW_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Opret konto").click()

    # allauth tells them to check their e-mail; nothing else is open to them yet.
    expect(page.get_by_role("main")).to_contain_text(NEW_EMAIL)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [NEW_EMAIL]
    links = re.findall(r"https?://\S+", str(message.body))
    confirm = next(link for link in links if "/accounts/confirm-email/" in link)

    # --- They open the link from the e-mail and confirm -------------------------
    page.goto(confirm)
    expect(page.get_by_role("main")).to_contain_text(NEW_EMAIL)
    page.get_by_role("main").get_by_role("button", name=re.compile("Bekræft")).click()
    # Logged in straight away, on their own home page.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hej {NEW_NAME}")
    expect(logged_in_header(page)).to_be_visible()

    # --- They find the group and ask to join -----------------------------------
    main_menu(page).get_by_role("link", name="Find grupper").click()
    expect(page.get_by_role("heading", name="Find grupper", level=1)).to_be_visible()
    page.get_by_role("link", name="Sammen i Vejle").click()
    expect(page.get_by_role("heading", name="Sammen i Vejle", level=1)).to_be_visible()
    # The public face: what the group is about, the rules, who runs it; no sub-groups.
    expect(page.get_by_role("main")).to_contain_text("Et trygt fællesskab for borgere i kommunen.")
    expect(page.get_by_role("main")).to_contain_text("Administratorer: Ingunn Sørensen")
    expect(page.get_by_role("main")).not_to_contain_text("Strikkeklubben")

    page.get_by_role("link", name="Bed om at blive medlem").click()
    expect(page.get_by_role("heading", name="Bed om at blive medlem")).to_be_visible()
    expect(page.get_by_role("region", name="Gruppens regler")).to_contain_text(
        "Vær venlig og respektfuld."
    )
    page.get_by_label("Hvad håber du at få ud af gruppen?").fill("At møde nogen at gå tur med.")
    page.get_by_label("Hvordan har du hørt om os?").fill("Fra biblioteket.")
    page.get_by_label("Jeg har læst gruppens regler og vil overholde dem").check()
    page.get_by_role("button", name="Send anmodning").click()

    # Back home: the request is waiting.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hej {NEW_NAME}")
    waiting = page.get_by_role("region", name="Anmodninger, der venter på svar")
    expect(waiting).to_contain_text("Sammen i Vejle")
    expect(page.get_by_role("region", name="Mine grupper")).to_contain_text(
        "Du er ikke medlem af nogen grupper endnu."
    )

    # --- An administrator, in their own browser, approves ------------------------
    admin_page = login_as(community["admin"])
    admin_page.goto(base + group.get_absolute_url())
    admin_page.get_by_role("navigation", name="Gruppens sider").get_by_role(
        "link", name=re.compile("^Anmodninger")
    ).click()
    expect(admin_page.get_by_role("heading", name="Anmodninger om medlemskab")).to_be_visible()
    expect(admin_page.get_by_role("heading", name=NEW_NAME)).to_be_visible()
    expect(admin_page.get_by_role("main")).to_contain_text("At møde nogen at gå tur med.")
    expect(admin_page.get_by_role("main")).to_contain_text("Fra biblioteket.")
    admin_page.get_by_label("Besked til personen (valgfri)").fill("Velkommen til!")
    admin_page.get_by_role("button", name=f"Godkend {NEW_NAME}").click()
    # The page's message (the bell has a live region of its own).
    expect(admin_page.locator(".messages[role=status]")).to_contain_text(NEW_NAME)
    expect(admin_page.get_by_role("main")).to_contain_text("Der er ingen anmodninger, der venter.")

    # The person is told by e-mail as well.
    approved = [m for m in mail.outbox if m.to == [NEW_EMAIL] and "Sammen i Vejle" in m.subject]
    assert approved, [m.subject for m in mail.outbox]

    # --- The person reloads their home page and is in ---------------------------
    main_menu(page).get_by_role("link", name="Forside").click()
    news = page.get_by_role("region", name="Svar på dine anmodninger")
    expect(news).to_contain_text("Du er optaget i Sammen i Vejle.")
    expect(news).to_contain_text("Velkommen til!")
    mine = page.get_by_role("region", name="Mine grupper")
    expect(mine.get_by_role("link", name="Sammen i Vejle")).to_be_visible()
    expect(page.get_by_role("region", name="Anmodninger, der venter på svar")).to_have_count(0)

    news.get_by_role("link", name="Gå til gruppen").click()
    expect(page.get_by_role("heading", name="Sammen i Vejle", level=1)).to_be_visible()
    subgroups = page.get_by_role("region", name="Undergrupper")
    expect(subgroups.get_by_role("link", name="Strikkeklubben")).to_be_visible()
    expect(subgroups.get_by_role("link", name="Gåturen")).to_be_visible()
    expect(page.get_by_role("navigation", name="Gruppens sider")).to_be_visible()
