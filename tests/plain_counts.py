"""A list's numbers counted the plain way, one ORM query a facet, as the
reference that the tallies (articles/tallies.py) and the live counts
(articles/counting.py) must agree with."""

import datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear, TruncMonth
from django.http import QueryDict

from articles.chart import Chart, chart_of
from articles.facets import TOP_SOURCES, TOP_TAGS, Facet, _facets


def _counts(articles: QuerySet, *fields: str):
    return (
        articles.values(*fields)
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", *fields)
        .values_list(*fields, "n")
    )


def plain_facets(queryset: QuerySet, params: QueryDict) -> list[Facet]:
    articles = queryset.order_by()
    tagged = articles.model.objects.filter(pk__in=articles.values("pk")).exclude(tags=None)
    years = (
        articles.annotate(year=ExtractYear("published_at"))
        .values("year")
        .annotate(n=Count("pk"))
        .values_list("year", "n")
    )
    rows = {
        "tag": _counts(tagged, "tags__slug", "tags__name")[:TOP_TAGS],
        "source": _counts(articles, "source__slug", "source__name")[:TOP_SOURCES],
        "kind": _counts(articles, "source__kind"),
        "country": _counts(articles, "source__country"),
        "language": _counts(articles, "language"),
        "year": years,
    }
    return _facets(rows, params)


def plain_chart(queryset: QuerySet, params: QueryDict) -> Chart | None:
    rows = (
        queryset.order_by()
        .exclude(published_at=None)
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    counts: dict[datetime.date, int] = {}
    for month, n in rows:
        day = month.date() if isinstance(month, datetime.datetime) else month
        counts[day] = counts.get(day, 0) + n
    return chart_of(counts, params)


def plain_numbers(articles: QuerySet, params: QueryDict) -> tuple:
    """(count, facets, chart) of `articles`."""
    return articles.count(), plain_facets(articles, params), plain_chart(articles, params)
