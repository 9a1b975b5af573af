"""The public filters of every article list, in one FilterSet.

`/`, `/sources/<slug>/` and `/tags/<slug>/` share it, so a query string means
the same thing wherever it is pasted.
"""

import datetime
from urllib.parse import urlencode

import django_filters
from django import forms
from django.conf.locale import LANG_INFO
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import lazy
from django_countries import countries

from .caching import memoised
from .forms import FastSelect, FastSelectMultiple, options_html
from .models import Article, Source, SourceKind, Tag, common_tags
from .search import search_articles
from .tallies import tallied_counts

ORDERINGS = {
    "relevance": ("-rank", F("published_at").desc(nulls_last=True), "-pk"),
    "newest": (F("published_at").desc(nulls_last=True), "-pk"),
    "oldest": (F("published_at").asc(nulls_last=True), "pk"),
}

# The browser's own date picker; it submits ISO dates, as the URLs document.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Choices are given as callables, which each request's form copies by
# reference rather than option by option.
COUNTRY_CHOICES = list(countries)
LANGUAGE_CHOICES = sorted(
    ((code, info["name"]) for code, info in LANG_INFO.items() if "name" in info),
    key=lambda choice: choice[1],
)


# How a filter in force introduces its value on the page.
CHIP_PREFIXES = {
    "q": "Search",
    "tag": "Tag",
    "source": "Outlet",
    "kind": "Kind of outlet",
    "country": "Outlet's country",
    "language": "Language",
    "published_after": "Published",
    "published_before": "Published",
}


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class SearchField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "search"})

    def to_python(self, value):
        # A NUL byte cannot be searched for or stored; drop it rather than refuse.
        return super().to_python(value).replace("\x00", "")


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


def _in_use(choices, used, *, empty_label: str) -> list[tuple[str, str]]:
    used = set(used)
    return [("", empty_label), *((code, name) for code, name in choices if code in used)]


# The options each select shows: the tags and outlets of public articles (the
# others' names are not the public's to see), and only the countries and
# languages that the coverage has. A link with another country or language
# still works; it finds nothing.
SHOWN_CHOICES = {
    "tag": lambda: Tag.objects.public().values_list("slug", "name"),
    "source": lambda: Source.objects.public().values_list("slug", "name"),
    "country": lambda: _in_use(COUNTRY_CHOICES, _public("country"), empty_label="Any country"),
    "language": lambda: _in_use(LANGUAGE_CHOICES, _public("language"), empty_label="Any language"),
}


def _public(facet: str):
    """The languages or outlets' countries of the public articles (an outlet
    with only drafts says nothing of itself): from the tallies, as looking
    through the articles for them took 180 ms at a million on PostgreSQL."""
    tallied = tallied_counts([""], facets=[facet])
    if tallied is not None:
        return {value for value, n in tallied[facet].items() if n > 0}
    field = {"country": "source__country", "language": "language"}[facet]
    return Article.objects.published().order_by().values_list(field, flat=True).distinct()


def _options(name: str) -> str:
    return memoised("options", name, lambda: options_html(SHOWN_CHOICES[name]()))


lazy_options = lazy(_options, str)


class ArticleFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("published_after"), cleaned.get("published_before")
        if after and before and after > before:
            self.add_error("published_before", "The end date is before the start date.")
        return cleaned


class ArticleFilter(django_filters.FilterSet):
    q = SearchFilter(
        label="Search",
        method="filter_search",
        help_text=(
            'All words must match. Use "quotes" for a phrase, OR for either, -word to exclude.'
        ),
    )
    tag = django_filters.ModelMultipleChoiceFilter(
        label="Tags",
        to_field_name="slug",
        # Read at each request: which tags the public sees changes with time.
        queryset=lambda request: Tag.objects.public(),
        method="filter_tags",
        help_text="Articles with every tag chosen.",
        widget=FastSelectMultiple,
    )
    source = django_filters.ModelMultipleChoiceFilter(
        label="Outlets",
        to_field_name="slug",
        queryset=lambda request: Source.objects.public(),
        method="filter_outlets",
        help_text="Articles from any outlet chosen, or from its wire service.",
        widget=FastSelectMultiple,
    )
    kind = django_filters.ChoiceFilter(
        label="Kind of outlet",
        field_name="source__kind",
        choices=lambda: SourceKind.choices,
        empty_label="Any kind",
        widget=FastSelect,
    )
    country = django_filters.ChoiceFilter(
        label="Outlet's country",
        field_name="source__country",
        choices=lambda: COUNTRY_CHOICES,
        empty_label="Any country",
        widget=FastSelect,
    )
    language = django_filters.ChoiceFilter(
        label="Language",
        choices=lambda: LANGUAGE_CHOICES,
        empty_label="Any language",
        widget=FastSelect,
    )
    published_after = django_filters.DateFilter(
        label="Published on or after", method="filter_after", widget=DATE_WIDGET
    )
    published_before = django_filters.DateFilter(
        label="Published on or before", method="filter_before", widget=DATE_WIDGET
    )
    ordering = django_filters.ChoiceFilter(
        label="Order",
        choices=[
            ("relevance", "Most relevant (with a search)"),
            ("newest", "Newest first"),
            ("oldest", "Oldest first"),
        ],
        method="filter_ordering",
        empty_label="Default",
        widget=FastSelect,
    )

    class Meta:
        model = Article
        fields = []
        form = ArticleFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The options shown, made once for the data version, and read only
        # when the form is drawn (it is kept drawn too); choices are still
        # checked against the fields' querysets.
        for name in SHOWN_CHOICES:
            self.form.fields[name].widget.options = lazy_options(name)

    def filter_search(self, queryset, name, value):
        return search_articles(queryset, value)

    def filter_tags(self, queryset, name, value):
        common = common_tags(value)
        for tag in value:
            queryset = queryset.tagged(tag, common=tag.pk in common)
        return queryset

    def filter_outlets(self, queryset, name, value):
        return queryset.from_outlets(value) if value else queryset

    def filter_after(self, queryset, name, value):
        return queryset.filter(published_at__gte=_start_of_day(value))

    def filter_before(self, queryset, name, value):
        if value == datetime.date.max:
            return queryset.filter(published_at__isnull=False)
        return queryset.filter(published_at__lt=_start_of_day(value + datetime.timedelta(days=1)))

    def filter_ordering(self, queryset, name, value):
        # Applied in filter_queryset, once every filter has run: relevance
        # needs the rank that the search adds.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*ORDERINGS[self.effective_ordering()])

    def effective_ordering(self) -> str:
        """Relevance when there is a search and no other choice; else newest first."""
        data = getattr(self.form, "cleaned_data", {})
        searching = bool(data.get("q"))
        ordering = data.get("ordering") or ("relevance" if searching else "newest")
        return "newest" if ordering == "relevance" and not searching else ordering

    def active_filters(self) -> list[dict]:
        """Each filter in force, with its label and the query string without it.

        Only a valid form has filters in force; an invalid one reports errors.
        """
        if not self.is_bound or not self.form.is_valid():
            return []
        data = self.form.cleaned_data
        values = {}
        for tag in data["tag"] or []:
            values[("tag", tag.slug)] = tag.name
        for source in data["source"] or []:
            values[("source", source.slug)] = source.name
        for key in ("kind", "country", "language"):
            if data[key]:
                values[(key, data[key])] = dict(self.form.fields[key].choices)[data[key]]
        if data["q"]:
            quoted = '"' in data["q"]
            values[("q", self.data["q"])] = data["q"] if quoted else f"“{data['q']}”"
        for key, word in (("published_after", "from"), ("published_before", "until")):
            if data[key]:
                values[(key, self.data[key])] = f"{word} {data[key]:%-d %b %Y}"
        params = list(dict.fromkeys((k, v) for k in self.filters for v in self.data.getlist(k)))
        return [
            {
                "label": f"{CHIP_PREFIXES[param[0]]}: {values[param]}",
                "value": values[param],
                "query": urlencode([p for p in params if p != param]),
            }
            for param in params
            if param in values
        ]


def public_filterset(params: QueryDict) -> ArticleFilter:
    """The public filters over what the public may see: for feeds and exports."""
    return ArticleFilter(params or None, queryset=Article.objects.published().for_cards())


def filter_errors(filterset: ArticleFilter) -> str:
    """The form's errors as lines a person can read, for a plain-text 400."""
    lines = []
    for name, errors in filterset.form.errors.items():
        label = filterset.form.fields[name].label if name in filterset.form.fields else ""
        lines += [f"{label}: {error}" if label else str(error) for error in errors]
    return "\n".join(lines)
