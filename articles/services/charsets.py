"""Reading a page's bytes as text, whatever charset it declares, wrongly or not."""

import codecs
import re

import charset_normalizer

META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")


def _try_decode(content: bytes, encoding: str) -> str | None:
    try:
        codecs.lookup(encoding)
        return content.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def content_decode(*, content: bytes, declared: str = "") -> str:
    """`content` as text, whatever charset it was declared in, or none.

    A byte-order mark wins; then UTF-8 when the bytes are valid UTF-8 (a
    page declared Latin-1 but written in UTF-8 is common, the reverse
    almost never validates); then the declared charset, the page's own
    <meta charset> or XML declaration; then Windows-1252, the web's default
    for English and French pages that declare nothing; a statistical guess
    when even that fails, and last Windows-1252 with replacement characters.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom) and (text := _try_decode(content, encoding)) is not None:
            return text
    head = content[:4096]
    candidates = [declared]
    if not declared.lower().startswith(("utf-16", "utf-32", "utf16", "utf32")):
        candidates.insert(0, "utf-8")
    for pattern in (META_CHARSET, XML_ENCODING):
        if match := pattern.search(head):
            candidates.append(match.group(1).decode("ascii", "ignore"))
    candidates.append("cp1252")
    for encoding in filter(None, candidates):
        if (text := _try_decode(content, encoding)) is not None:
            return text
    best = charset_normalizer.from_bytes(content[:200_000]).best()
    if best is not None and (text := _try_decode(content, best.encoding)) is not None:
        return text
    return content.decode("cp1252", errors="replace")
