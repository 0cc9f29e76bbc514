"""A post's page: the post with its newest comments (every one with
`?alle=1`, which a link to one comment asks for), its earlier versions, the
"Følg" button and the site header's bell. It is composed here, not in posts,
because the page shows what notifications own (the bell, following) and is
cached whole (sammen.pagecache) like a group's page (pages.views).

The key holds everything the page shows: the group's last event and
generation and the reader's situation (posts.fragments.post_page_key: any
change to the post, its comments or reactions gives a new key), the reader's
capabilities and unread count (pages.header.page_capabilities; moderators'
pages are rendered every time), and whether they follow the post. A view of
the page is recorded for the apps above on every load, cached or not.

Until the page is known to be missing from the cache, the post is read only
as far as the permission check and the key need it (posts.selectors
.post_get_for_key, one statement with the group's last event), and the bell's
count with the following state (one more): a cached page costs four short
statements (the session's user, the membership, these two) and the view's
record; a sub-group's post one more (the sub-group, for the permission check).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from groups import selectors as group_selectors
from notifications import selectors as notification_selectors
from pages.header import page_capabilities
from posts import fragments
from posts import selectors as post_selectors
from posts import services as post_services
from sammen import csrf, pagecache


@login_required
def post_detail(request: HttpRequest, group_slug: str, post_id: int) -> HttpResponse:
    group = group_selectors.group_get_for_member(viewer=request.user, group_slug=group_slug)
    post, event_id = post_selectors.post_get_for_key(
        viewer=request.user, group=group, post_id=post_id
    )
    key = _page_key(request, group, post, event_id)
    response = pagecache.get(request, key)
    if response is None:
        full = post_selectors.post_get(viewer=request.user, group=group, post_id=post_id)
        response = render(
            request,
            "posts/post_detail.html",
            fragments.post_page_context(
                request,
                group=group,
                post=full,
                event_id=event_id,
                all_comments=request.GET.get("alle") == "1",
            ),
        )
        response = pagecache.store(request, key, csrf.fill(request, response))
    if _is_page_view(request):
        post_services.post_view_record(viewer=request.user, post=post)  # type: ignore[arg-type]
    return response


def _page_key(request: HttpRequest, group: object, post: object, event_id: int) -> str | None:
    following = notification_selectors.is_following_with_unread(request.user, post)
    capabilities = page_capabilities(request.user, group)  # type: ignore[arg-type]
    if capabilities is None:
        return None
    capabilities.append(("following", following))
    return pagecache.key_for(
        request,
        fragments.post_page_key(request, group=group, post=post, event_id=event_id),
        capabilities,
    )


def _is_page_view(request: HttpRequest) -> bool:
    """A person opening the page, not a browser's prefetch or an htmx partial."""
    purpose = request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    return (
        request.method == "GET"
        and "prefetch" not in purpose
        and "HX-Request" not in request.headers
    )
