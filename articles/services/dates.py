"""Publication dates from what a page, a pasted text or a feed says.

One rule for every import path: a date is read strictly, and used only
within the window nothing we cover falls outside of (1990-01-01 to a day
from now). An impossible date ("2023-02-30") or a bare number (a Unix
timestamp) is unknown, never the nearest plausible date; the editor is told
what was given and sets the date by hand.

Nothing here touches the network or the database.
"""

import contextlib
import datetime
import email.utils
import itertools
import re

import dateparser
from django.utils import timezone

EARLIEST = datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC)
# A publication date more than this far ahead is a page's error, not a date.
FUTURE_TOLERANCE = datetime.timedelta(days=1)

MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    r"novembre|décembre|decembre"
)
TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}[:h]\d{2}(?:\s*[ap]\.?\s?m\.?)?(?:\s+[A-Z]{2,4}T)?)?"
DATE_IN_LINE = re.compile(
    rf"""(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(?:
        \d{{1,2}}(?:er)?\s+(?:{MONTHS})\.?,?\s+\d{{4}}{TIME}
      | (?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}{TIME}
      | \d{{4}}-\d{{2}}-\d{{2}}(?:[T\s]\d{{2}}:\d{{2}}(?::\d{{2}})?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?
    )""",
    re.I | re.X,
)
# Where a page declares its publication date: meta tags (either attribute
# order), JSON-LD, and a <time> marked as the publication time.
PUBLISHED_NAMES = (
    r"article:published_time|og:published_time|datePublished|pubdate|publishdate|"
    r"publish[-_]date|dc\.date(?:\.issued)?|dcterms\.(?:created|issued)|sailthru\.date|"
    r"parsely-pub-date"
)
DECLARED_DATES = (
    re.compile(
        rf"""<meta\s[^>]{{0,300}}?(?:property|name|itemprop)\s*=\s*["']?(?:{PUBLISHED_NAMES})["'\s]"""
        r"""[^>]{0,300}?content\s*=\s*["']([^"'<>]{1,80})["']""",
        re.I,
    ),
    re.compile(
        r"""<meta\s[^>]{0,300}?content\s*=\s*["']([^"'<>]{1,80})["'][^>]{0,300}?"""
        rf"""(?:property|name|itemprop)\s*=\s*["']?(?:{PUBLISHED_NAMES})["'\s/>]""",
        re.I,
    ),
    re.compile(r""""datePublished"\s*:\s*"([^"<>]{1,80})\""""),
    re.compile(
        r"""<time\s[^>]{0,300}?(?:itemprop\s*=\s*["']?datePublished|\bpubdate\b)[^>]{0,300}?"""
        r"""datetime\s*=\s*["']([^"'<>]{1,80})["']""",
        re.I,
    ),
)
# Dates as pages write them, to tell one a page gives from one a parser
# made up by filling in a missing day with the 1st.
WRITTEN_DATES = (
    re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)"),
    re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)"),
)
DATE_PARSER_SETTINGS = {
    "STRICT_PARSING": True,  # a day, a month and a year, or nothing
    "PARSERS": ["custom-formats", "absolute-time"],  # not "yesterday"
    "RETURN_AS_TIMEZONE_AWARE": False,
}
# Reading a written date takes dateparser a millisecond or more: a page's
# first dates are enough to check one against.
MAX_DATES_READ = 100
SAYS = {"page": "The page gives", "text": "The text gives", "feed": "The feed gave"}


# The year of an RFC 822 date as written ("Tue, 07 Mar 2023 ..."): day, month, year.
RFC822_YEAR = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3,}\.?\s+(\d{2,4})\b")


def date_read(value: str) -> datetime.datetime | None:
    """The date `value` writes, or None when it writes no whole, real date.

    ISO 8601, RFC 822 (feeds) and written dates in English or French; a
    bare number is no date. Date-only values become noon UTC, which keeps
    that date in every time zone from UTC-11 to UTC+11.
    """
    value = " ".join((value or "").split())
    if not re.search(r"\d", value) or value.isdigit():
        return None
    has_time = bool(re.search(r"\d[:h]\d{2}", value))
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
            written = RFC822_YEAR.search(value)
            if written and len(written[1]) == 4 and int(written[1]) != parsed.year:
                # The parser takes any year under 100 for a two-digit one, even
                # written in four: .NET's "no date", 01 Jan 0001, read as 2001.
                return None
        except (TypeError, ValueError, IndexError, OverflowError):
            if not re.search(r"\d{4}", value):
                return None
            try:
                parsed = dateparser.parse(
                    value, languages=["en", "fr"], settings=DATE_PARSER_SETTINGS
                )
            except (ValueError, OverflowError):  # a year past 9999, say
                return None
        if parsed is None:
            return None
    if parsed.tzinfo is not None:
        return parsed
    if not has_time or parsed.time() == datetime.time.min:
        return datetime.datetime.combine(parsed.date(), datetime.time(12), tzinfo=datetime.UTC)
    return timezone.make_aware(parsed)


def date_checked(
    date: datetime.datetime | None, *, given: str = "", where: str = "page"
) -> tuple[datetime.datetime | None, str]:
    """`date` if it can be a publication date, and the note for the editor
    when it cannot: `given` is what the page, text or feed (`where`) said."""
    says = SAYS[where]
    if date is None and given:
        return None, (
            f"{says} “{given}” as its date, which is not a real date; the date is left "
            "empty: set it by hand."
        )
    if date is None:
        return None, "No publication date was found; the date is left empty."
    if date > timezone.now() + FUTURE_TOLERANCE:
        when = "in the future"
    elif date < EARLIEST:
        when = f"before {EARLIEST:%Y}"
    else:
        return date, ""
    return None, (
        f"{says} {date:%Y-%m-%d}, {when}, which cannot be right; the date is left empty: "
        "set it by hand."
    )


def _written(html: str) -> set[datetime.date]:
    matches = itertools.islice(DATE_IN_LINE.finditer(html), MAX_DATES_READ)
    dates = {date.date() for match in matches if (date := date_read(match[0]))}
    for pattern in WRITTEN_DATES:
        for match in pattern.finditer(html):
            numbers = [int(n) for n in match.groups()]
            year = numbers[0] if numbers[0] > 31 else numbers[2]
            rest = numbers[1:] if numbers[0] > 31 else numbers[:2][::-1]
            for month, day in (rest, rest[::-1]):  # day and month may be either way
                with contextlib.suppress(ValueError):
                    dates.add(datetime.date(year, month, day))
    return dates


def _impossible(html: str) -> str:
    """The first date the page writes that no calendar has, or ""."""
    for match in itertools.islice(DATE_IN_LINE.finditer(html), MAX_DATES_READ):
        if date_read(match[0]) is None:
            return match[0]
    return ""


def page_date(
    html: str, found: str | None, *, url: str = ""
) -> tuple[datetime.datetime | None, str]:
    """The publication date of an HTML page and the note about it.

    The date the page declares in its metadata comes first, and when it is
    impossible the date is unknown. Otherwise `found`, what trafilatura's
    date search (htmldate) found, is used; the 1st of a month only when the
    page or its address `url` writes that date, as htmldate makes the 1st
    out of "2023-02-30" or a bare "February 2023".
    """
    head = html[:200_000]
    for pattern in DECLARED_DATES:
        if declared := pattern.search(head):
            given = declared.group(1).strip()
            return date_checked(date_read(given), given=given)
    date = date_read(found) if found else None
    if date is not None and (date.day != 1 or date.date() in _written(f"{url} {head}")):
        return date_checked(date, given=found)
    if impossible := _impossible(head):
        return date_checked(None, given=impossible)
    return date_checked(None)
