"""Links that change one filter of the current query string and keep the rest."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import QueryDict

Pairs = list[tuple[str, str]]


def query_pairs(params: QueryDict, *, drop: tuple[str, ...] = ()) -> Pairs:
    """The parameters as (key, value) pairs, without `page` (a new view starts
    on page 1) and without the keys in `drop`."""
    return [(k, v) for k, values in params.lists() for v in values if k not in ("page", *drop)]


def toggler(params: QueryDict, key: str, *, repeatable: bool) -> Callable[[str], tuple[str, bool]]:
    """A maker, for many values of `key` (a facet's), of the query string with
    `key=value` added (or removed, if already there), and whether it was there.
    A key that is not repeatable is replaced. The rest is encoded once."""
    pairs = query_pairs(params)
    kept = urlencode(pairs if repeatable else [p for p in pairs if p[0] != key])
    prefix = f"{kept}&" if kept else ""

    def toggle(value: str) -> tuple[str, bool]:
        if (key, value) in pairs:
            return urlencode([p for p in pairs if p != (key, value)]), True
        return prefix + urlencode([(key, value)]), False

    return toggle


DATES = ("published_after", "published_before")


def dated(params: QueryDict) -> Callable[[str, str], str]:
    """A maker of the query string limited to the days `start` to `end` (ISO
    dates, which need no escaping), for many ranges of the same query (a
    chart's bars): the rest is encoded once."""
    kept = urlencode(query_pairs(params, drop=DATES))
    prefix = f"{kept}&" if kept else ""
    return lambda start, end: f"{prefix}{DATES[0]}={start}&{DATES[1]}={end}"


def with_dates(params: QueryDict, start: str, end: str) -> tuple[str, bool]:
    """The query string limited to the days `start` to `end` (or without them,
    if that range is already in force), and whether it was."""
    active = params.get(DATES[0]) == start and params.get(DATES[1]) == end
    if active:
        return urlencode(query_pairs(params, drop=DATES)), active
    return dated(params)(start, end), active
