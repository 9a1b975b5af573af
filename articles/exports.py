"""Every article of a view, as CSV or JSON, streamed row by row."""

import csv
import json
from collections.abc import Iterable, Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet

COLUMNS = ["headline", "outlet", "byline", "published", "url", "page", "tags", "summary"]

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CHUNK = 500
# What the columns are made of: only these are read from each row.
FIELDS = ["title", "slug", "source__name", "byline", "published_at", "url", "summary"]


def export_rows(queryset: QuerySet, *, page_url) -> Iterator[dict]:
    """One dict a matching article, in COLUMNS order; `page_url(article)` is its page."""
    queryset = queryset.select_related(None).select_related("source").only(*FIELDS)
    for article in queryset.iterator(chunk_size=CHUNK):
        yield {
            "headline": article.title,
            "outlet": article.source.name,
            "byline": article.byline,
            "published": article.published_at.isoformat() if article.published_at else "",
            "url": article.url,
            "page": page_url(article),
            "tags": [tag.name for tag in article.tags.all()],
            "summary": article.summary,
        }


def _cell(value) -> str:
    text = "; ".join(value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """csv.writer writes to this and gets back the line it wrote."""

    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([_cell(row[column]) for column in COLUMNS])


def json_stream(rows: Iterable[dict]) -> Iterator[str]:
    yield "["
    for n, row in enumerate(rows):
        yield ("," if n else "") + "\n" + json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)
    yield "\n]\n"
