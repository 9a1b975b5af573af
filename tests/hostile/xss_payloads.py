"""Cross-site-scripting payloads, for every field an editor or an import fills.

Every payload, if it ran, would call `alert`, `confirm`, `prompt`, `print` or
set `document.title` to "pwned"; the browser tests watch for all of these.
They are grouped by technique; obfuscated variants are made from the plain
ones so that each trick is tried against many vectors.
"""

# Script elements and the places a script can hide.
SCRIPT = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<script src=data:,alert(1)></script>",
    "<script>document.title='pwned'</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script/x>alert(1)</script>",
    "<<script>alert(1)//<</script>",
    "<script\n>alert(1)</script\n>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
]

# Event-handler attributes on every kind of element.
EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    '<img src=x onerror="alert(1)">',
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img src=x onerror=alert`1`>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=x onerror\n=alert(1)>",
    "<body onload=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<iframe onload=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    '<p onclick="alert(1)">click</p>',
    '<a href="https://ok.example/" onmouseover="alert(1)">link</a>',
    "<object data=x onerror=alert(1)>",
    "<style onload=alert(1)></style>",
    "<img src=x onerror=confirm(1)>",
    "<img src=x onerror=prompt(1)>",
    "<img src=x onerror=print()>",
]

# URLs that run script: javascript:, vbscript:, data:, with obfuscation.
URLS = [
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#9;ascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
    '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img src="javascript:alert(1)">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<a href="javascript:document.title=`pwned`">x</a>',
    "<a href=javascript:alert(1)>x</a>",
    '<math><a xlink:href="javascript:alert(1)">x</a></math>',
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
]

# SVG and MathML: foreign content parses differently.
FOREIGN = [
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=onload to=alert(1)>",
    "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    "<svg><title><img src=x onerror=alert(1)></title></svg>",
    "<svg><desc><![CDATA[</desc><script>alert(1)</script>]]></svg>",
    '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=alert(1) src>">',
]

# Mutation XSS: markup that changes meaning when parsed twice.
MUTATION = [
    "<style><img src=x onerror=alert(1)></style>",
    "<style></style><img src=x onerror=alert(1)>",
    "<template><img src=x onerror=alert(1)></template>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<noscript><style></noscript><img src=x onerror=alert(1)>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<plaintext><img src=x onerror=alert(1)>",
    "<noembed><img src=x onerror=alert(1)></noembed>",
    "<noframes><img src=x onerror=alert(1)></noframes>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe srcdoc="&lt;img src=x onerror=alert(1)&gt;"></iframe>',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<a title="</a><img src=x onerror=alert(1)>">x</a>',
    '<img alt="`><img src=x onerror=alert(1)>`">',
    "<select><template><style><img src=x onerror=alert(1)></style></template></select>",
]

# The document around the content: meta refresh, base, styles, imports.
DOCUMENT = [
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=data:text/html,<script>alert(1)</script>">',
    '<base href="javascript:alert(1)//">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<link rel="import" href="data:text/html,<script>alert(1)</script>">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width:expression(alert(1))">x</div>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<isindex action="javascript:alert(1)" type=image>',
]

# Broken, unclosed and malformed markup.
BROKEN = [
    "<img src=x onerror=alert(1)",
    '<img src="x" onerror="alert(1)',
    "<script>alert(1)",
    '<a href="javascript:alert(1)',
    "<p><b><i><script>alert(1)</i></b>",
    "<img src=x onerror=alert(1)//",
    "<svg onload=alert(1)//",
    "<<img src=x onerror=alert(1)>>",
    '<img """><script>alert(1)</script>">',
    "<img src=`x`onerror=alert(1)>",
    "<img src='x'onerror='alert(1)'>",
    "<a\x00 href=javascript:alert(1)>x</a>",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "<div\x0conclick=alert(1)>x</div>",
    "<</p>img src=x onerror=alert(1)>",
]

# Text that only becomes dangerous where it lands: attributes, JSON, URLs.
CONTEXTS = [
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '"><img src=x onerror=alert(1)>',
    "</script><img src=x onerror=alert(1)>",
    "{{7*7}}<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "javascript:alert(1)",
    "-->\x3cimg src=x onerror=alert(1)>",
    "]]><img src=x onerror=alert(1)>",
    '\\"};alert(1);//',
]

BASE = SCRIPT + EVENT_HANDLERS + URLS + FOREIGN + MUTATION + DOCUMENT + BROKEN + CONTEXTS


def _entity_encoded(payload: str) -> str:
    """The payload as HTML entities: harmless as text, unless decoded twice."""
    return "".join(f"&#{ord(c)};" for c in payload)


OBFUSCATED = [
    # Entity-encoded markup: a double decode would bring it back to life.
    _entity_encoded("<img src=x onerror=alert(1)>"),
    _entity_encoded("<script>alert(1)</script>"),
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "＜script＞alert(1)＜/script＞",
]

PAYLOADS = list(dict.fromkeys(BASE + OBFUSCATED))
