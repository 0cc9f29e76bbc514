"""Cached search results: the same search is answered from the cache, and a
committed change to any entry is seen by the next search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from directory import selectors, services
from directory.models import Entry


@pytest.fixture
def cached(settings: Any) -> None:
    settings.DIRECTORY_FIND_CACHE_SECONDS = 60
    cache.clear()


def titles(query: str) -> list[str]:
    return [e.title for e in selectors.directory_find_cached(query=query, filters={}).entries]


@pytest.mark.django_db(transaction=True)
def test_cached_search_follows_every_committed_change(
    cached: None, make_entry: Callable[..., Entry], django_assert_num_queries: Any
) -> None:
    entry = make_entry("Gåtur ved åen")
    assert titles("gåtur") == ["Gåtur ved åen"]
    with django_assert_num_queries(0):
        assert titles("gåtur") == ["Gåtur ved åen"]
    services.entry_update(actor=None, entry=entry, title="Gåtur i skoven")
    assert titles("gåtur") == ["Gåtur i skoven"]
    make_entry("Gåtur nummer to")
    assert titles("gåtur") == ["Gåtur i skoven", "Gåtur nummer to"]
    Entry.objects.get(title="Gåtur nummer to").delete()
    assert titles("gåtur") == ["Gåtur i skoven"]
    # A plain save elsewhere (not through the services) is seen too.
    entry.refresh_from_db()
    entry.status = "hidden"
    entry.save(update_fields=["status"])
    assert titles("gåtur") == []


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_search_page_is_rendered_once_and_each_visitor_gets_a_working_token(
    cached: None, make_entry: Callable[..., Entry], django_assert_max_num_queries: Any
) -> None:
    import re

    from django.test import Client
    from django.test.signals import template_rendered
    from django.urls import reverse

    entry = make_entry("Strikkeklubben")
    url = reverse("directory-home") + "?q=strik"

    def token(html: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert found, "no CSRF token in the page"
        return found.group(1)

    first = Client(enforce_csrf_checks=True)
    page = first.get(url).content.decode()
    assert "Strikkeklubben" in page
    second = Client(enforce_csrf_checks=True)
    rendered: list[str] = []

    def on_render(sender: Any, template: Any, **kwargs: Any) -> None:
        rendered.append(template.name)

    template_rendered.connect(on_render)
    try:
        with django_assert_max_num_queries(3):  # the statistics; no search
            cached_page = second.get(url).content.decode()
    finally:
        template_rendered.disconnect(on_render)
    assert "directory/home.html" not in rendered  # served as rendered for the first
    assert "Strikkeklubben" in cached_page and "csrf-token-mark" not in cached_page
    # The cached page's token is the second visitor's own: saving works.
    add = reverse("directory-favourite-add", args=[entry.pk])
    response = second.post(add, {"csrfmiddlewaretoken": token(cached_page), "next": url})
    assert response.status_code == 302
    # Now they have a list: their page is their own, rendered for them.
    assert "Fjern fra min liste" in second.get(url).content.decode()
    # A change to an entry is seen at once.
    services.entry_update(actor=None, entry=entry, title="Strikkeklubben i Hatting")
    assert "Strikkeklubben i Hatting" in first.get(url).content.decode()
