"""Counts beside the results: what the current filters hold, value by value.

Drawn from a list's counts, tallied or counted live, whatever the number of
its articles; each value is a link that adds its filter to the current ones (or
takes it away, if it is already there).
"""

from collections import Counter
from dataclasses import dataclass

from django.http import QueryDict
from django_countries import countries

from .models import Source, SourceKind, Tag, language_name
from .querystring import toggler, with_dates

TOP_TAGS = 15
TOP_SOURCES = 12


@dataclass(frozen=True)
class FacetValue:
    label: str
    count: int
    query: str
    active: bool


@dataclass(frozen=True)
class Facet:
    name: str
    title: str
    values: list[FacetValue]


def _facet(name, title, rows, params, *, label, repeatable=False) -> Facet:
    values = []
    toggle = toggler(params, name, repeatable=repeatable)
    for *keys, count in rows:
        if keys[0] in (None, ""):
            continue
        query, active = toggle(keys[0])
        values.append(FacetValue(label(*keys), count, query, active))
    return Facet(name, title, values)


def _year_facet(rows, params) -> Facet:
    """The years of (year, count) rows, newest first."""
    values = []
    for year, count in sorted(rows, key=lambda row: row[0] or 0, reverse=True):
        if year is not None:
            query, active = with_dates(params, f"{year}-01-01", f"{year}-12-31")
            values.append(FacetValue(str(year), count, query, active))
    return Facet("year", "Year", values)


def _facets(rows: dict, params: QueryDict) -> list[Facet]:
    """The facets from each one's (keys..., count) rows, largest count first."""
    kinds = dict(SourceKind.choices)
    facets = [
        _facet(
            "tag",
            "Tags",
            rows["tag"],
            params,
            label=lambda slug, name: name,
            repeatable=True,
        ),
        _facet(
            "source",
            "Outlets",
            rows["source"],
            params,
            label=lambda slug, name: name,
            repeatable=True,
        ),
        _facet(
            "kind", "Kind of outlet", rows["kind"], params, label=lambda kind: kinds.get(kind, kind)
        ),
        _facet(
            "country",
            "Outlet's country",
            rows["country"],
            params,
            label=lambda code: countries.name(code) or code,
        ),
        _facet("language", "Language", rows["language"], params, label=language_name),
        _year_facet(rows["year"], params),
    ]
    return [facet for facet in facets if facet.values]


def _ranked(counts: Counter) -> list[tuple[str, int]]:
    return sorted(((value, n) for value, n in counts.items() if n > 0), key=lambda r: (-r[1], r[0]))


def _named(model, counts: Counter, top: int) -> list[tuple[str, str, int]]:
    """(slug, name, count) of the `top` rows of `model` by their counts (keyed by id)."""
    ranked = sorted((n for n in counts.values() if n > 0), reverse=True)
    if not ranked:
        return []
    # Every row tied with the last one shown, as the order then goes by slug.
    least = ranked[min(top, len(ranked)) - 1]
    ids = [int(pk) for pk, n in counts.items() if n >= least]
    names = model.objects.filter(pk__in=ids).values_list("pk", "slug", "name")
    rows = sorted((-counts[str(pk)], slug, name) for pk, slug, name in names)
    return [(slug, name, -n) for n, slug, name in rows[:top]]


def facets_from_counts(counts: dict[str, Counter], params: QueryDict) -> list[Facet]:
    """The facets of a list from its counts, tallied (articles/tallies.py) or
    counted live (articles/counting.py)."""
    rows = {
        "tag": _named(Tag, counts["tag"], TOP_TAGS),
        "source": _named(Source, counts["source"], TOP_SOURCES),
        "kind": _ranked(counts["kind"]),
        "country": _ranked(counts["country"]),
        "language": _ranked(counts["language"]),
        "year": [(int(year), n) for year, n in counts["year"].items() if n > 0],
    }
    return _facets(rows, params)
