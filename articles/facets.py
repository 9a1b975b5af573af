"""Counts beside the results: what the current filters hold, value by value.

Each facet is one aggregate query over the filtered articles, whatever their
number; each value is a link that adds its filter to the current ones (or
takes it away, if it is already there).
"""

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django_countries import countries

from .models import SourceKind, language_name
from .querystring import toggled, with_dates

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


def _counts(articles: QuerySet, *fields: str):
    """(field values..., count) rows, largest count first."""
    return (
        articles.values(*fields)
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", *fields)
        .values_list(*fields, "n")
    )


def _facet(name, title, rows, params, *, label, repeatable=False) -> Facet:
    values = []
    for *keys, count in rows:
        if keys[0] in (None, ""):
            continue
        query, active = toggled(params, name, keys[0], repeatable=repeatable)
        values.append(FacetValue(label(*keys), count, query, active))
    return Facet(name, title, values)


def facets_for(queryset: QuerySet, params: QueryDict) -> list[Facet]:
    """The facets of the articles in `queryset`, linked from the query `params`."""
    articles = queryset.order_by()
    # Counted over a join of their own: grouping through the join that a tag
    # filter made would see only the tags filtered on.
    tagged = articles.model.objects.filter(pk__in=articles.values("pk")).exclude(tags=None)
    kinds = dict(SourceKind.choices)
    years = (
        articles.annotate(year=ExtractYear("published_at"))
        .values("year")
        .annotate(n=Count("pk"))
        .order_by("-year")
        .values_list("year", "n")
    )
    year_values = []
    for year, count in years:
        if year is not None:
            query, active = with_dates(params, f"{year}-01-01", f"{year}-12-31")
            year_values.append(FacetValue(str(year), count, query, active))

    facets = [
        _facet(
            "tag",
            "Tags",
            _counts(tagged, "tags__slug", "tags__name")[:TOP_TAGS],
            params,
            label=lambda slug, name: name,
            repeatable=True,
        ),
        _facet(
            "source",
            "Outlets",
            _counts(articles, "source__slug", "source__name")[:TOP_SOURCES],
            params,
            label=lambda slug, name: name,
            repeatable=True,
        ),
        _facet(
            "kind",
            "Kind of outlet",
            _counts(articles, "source__kind"),
            params,
            label=lambda kind: kinds.get(kind, kind),
        ),
        _facet(
            "country",
            "Outlet's country",
            _counts(articles, "source__country"),
            params,
            label=lambda code: countries.name(code) or code,
        ),
        _facet("language", "Language", _counts(articles, "language"), params, label=language_name),
        Facet("year", "Year", year_values),
    ]
    return [facet for facet in facets if facet.values]
