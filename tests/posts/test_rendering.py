"""render_markdown against hostile input: whatever a member types, the stored
HTML holds only allowlisted tags and attributes, and links are safe.

The output is re-parsed with the HTML5 parsing algorithm (html5lib, as
browsers parse), so namespace confusion (svg, math) and broken markup are
judged by what a browser would build, not by string matching alone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from bleach._vendor import html5lib

from posts.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, render_markdown

XSS_PAYLOADS = [
    # svg / math namespace confusion
    "<svg><script>alert(1)</script></svg>",
    "<svg/onload=alert(1)>",
    "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<svg><![CDATA[</svg><img src=x onerror=alert(1)>]]>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    "<form><math><mtext></form><form><mglyph><svg><mtext><style>"
    '<path id="</style><img onerror=alert(1) src>">',
    # javascript: links in every spelling
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](  javascript:alert(1) )",
    "[klik](<javascript:alert(1)>)",
    "[klik](&#106;avascript:alert(1))",
    "[klik](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[klik](javascript&colon;alert(1))",
    "[klik](java&#x09;script:alert(1))",
    "[klik](java\tscript:alert(1))",
    "[klik](java\x00script:alert(1))",
    "[klik](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "[klik][ref]\n\n[ref]: javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    # data: URLs
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klik](data:image/svg+xml,<svg onload=alert(1)>)",
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    "![billede](data:image/png;base64,iVBORw0KGgo=)",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<b onmouseover=alert(1)>hej</b>",
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    '[x](https://example.org "titel" onclick=alert(1))',
    '[x](https://example.org"onmouseover="alert(1))',
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/'><script>alert(1)</script>",
    "[<img src=x onerror=alert(1)>](https://example.org)",
    "**<svg/onload=alert(1)>**",
    # raw-text and embedding tags
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<style>body{display:none}</style>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<iframe src=javascript:alert(1)>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    "<textarea><script>alert(1)</script></textarea>",
    "<title><script>alert(1)</script></title>",
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
    "<template><script>alert(1)</script></template>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    # broken markup
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="javascript:alert(1)',
    "<img src=x onerror=alert(1)//",
    "<!--<img src=x onerror=alert(1)>-->",
    "<!--><img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<?xml version="1.0"?><script>alert(1)</script>',
    "</p><script>alert(1)</script><p>",
    "> <script>alert(1)</script>\n> [x](javascript:alert(1))",
    "* <img src=x onerror=alert(1)>\n* [x](javascript:alert(1))",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "```html\n<script>alert(1)</script>\n```",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<a href=https://example.org style=position:fixed>x</a>",
    "www.example.com/?q=<script>alert(1)</script>",
]

ON_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")


def parsed_elements(html: str) -> list[Any]:
    """The elements a browser would build from the HTML (html5lib follows the
    WHATWG parsing algorithm, including foreign content)."""
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return [e for e in fragment.iter() if isinstance(e.tag, str) and e.tag != "DOCUMENT_FRAGMENT"]


def assert_safe(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    for tag in ("<svg", "<math", "<style", "<iframe", "<noscript", "<img", "<object", "<embed"):
        assert tag not in lowered
    # `javascript:` may survive only as plain, escaped text, never inside a tag.
    for tag in TAG.findall(html):
        assert "javascript" not in tag.lower(), tag
        assert "data:" not in tag.lower(), tag
    assert not ON_ATTRIBUTE.search(html), html
    for element in parsed_elements(html):
        assert element.tag in ALLOWED_TAGS, f"{element.tag} in {html!r}"
        allowed = set(ALLOWED_ATTRIBUTES.get(element.tag, []))
        assert set(element.attrib) <= allowed, f"{element.attrib} in {html!r}"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on")
            assert "javascript" not in re.sub(r"[\s\x00-\x1f]", "", value.lower())
        if element.tag == "a":
            href = element.attrib.get("href", "")
            assert href.startswith(("http://", "https://", "mailto:")), href
            assert element.attrib.get("rel") == LINK_REL


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_render_markdown_output_is_safe(payload: str) -> None:
    assert_safe(render_markdown(payload))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_render_markdown_output_is_safe_when_rendered_again(payload: str) -> None:
    """Stored HTML is never rendered twice, but if the text of a rendered
    post were posted again (copy and paste), it must stay safe too."""
    assert_safe(render_markdown(render_markdown(payload)))


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_raw_html_is_shown_as_text(payload: str) -> None:
    html = render_markdown(payload)
    assert html.startswith("<p>&lt;")
    assert "alert(1)" in html  # the member sees what they typed


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("Se https://example.org/strik her", "https://example.org/strik"),
        ("Se http://example.org her", "http://example.org"),
        ("Se www.example.com", "http://www.example.com"),
        ("<https://example.org/a?b=1&c=2>", "https://example.org/a?b=1&c=2"),
        ("[opskrift](https://example.org/opskrift)", "https://example.org/opskrift"),
        ("[skriv](mailto:kirsten@example.org)", "mailto:kirsten@example.org"),
    ],
)
def test_links_and_bare_urls_get_rel_nofollow_noopener_ugc(text: str, href: str) -> None:
    html = render_markdown(text)
    links = [e for e in parsed_elements(html) if e.tag == "a"]
    assert len(links) == 1, html
    assert links[0].attrib["href"] == href
    assert links[0].attrib["rel"] == "nofollow noopener ugc"
    assert f'rel="{LINK_REL}"' in html


def test_markdown_link_with_javascript_href_is_not_a_link() -> None:
    html = render_markdown("[klik her](javascript:alert(1))")
    assert "<a" not in html
    assert "href" not in html


@pytest.mark.parametrize("href", ["/relativ/sti", "//evil.example/", "ftp://example.org/x"])
def test_links_to_other_schemes_keep_their_text_but_lose_the_link(href: str) -> None:
    html = render_markdown(f"[teksten]({href})")
    assert "teksten" in html
    assert "<a" not in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hej *du* og **I**", "<p>Hej <em>du</em> og <strong>I</strong></p>"),
        ("Linje 1\nLinje 2", "<p>Linje 1<br>\nLinje 2</p>"),
        ("- uld\n- pinde", "<ul>\n<li>uld</li>\n<li>pinde</li>\n</ul>"),
        ("1. slå op\n2. strik", "<ol>\n<li>slå op</li>\n<li>strik</li>\n</ol>"),
        ("> citat", "<blockquote>\n<p>citat</p>\n</blockquote>"),
        ("# Stor", "<h3>Stor</h3>"),
        ("## Mellem", "<h3>Mellem</h3>"),
        ("### Lille", "<h4>Lille</h4>"),
        ("###### Mindst", "<h4>Mindst</h4>"),
        ("`kode`", "<p><code>kode</code></p>"),
        ("Æbler, øl & ål < 5", "<p>Æbler, øl &amp; ål &lt; 5</p>"),
        ("", ""),
    ],
)
def test_allowed_markdown_renders(text: str, expected: str) -> None:
    assert render_markdown(text) == expected


def test_render_markdown_is_deterministic() -> None:
    text = "Hej @Mikkel, se https://example.org og *dette*"
    assert render_markdown(text) == render_markdown(text)
