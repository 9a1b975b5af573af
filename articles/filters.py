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
from django.utils import timezone
from django_countries import countries

from .models import Article, Source, SourceKind, Tag
from .search import search_articles

ORDERINGS = {
    "relevance": ("-rank", F("published_at").desc(nulls_last=True), "-pk"),
    "newest": (F("published_at").desc(nulls_last=True), "-pk"),
    "oldest": (F("published_at").asc(nulls_last=True), "pk"),
}

# The browser's own date picker; it submits ISO dates, as the URLs document.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

LANGUAGE_CHOICES = sorted(
    ((code, info["name"]) for code, info in LANG_INFO.items() if "name" in info),
    key=lambda choice: choice[1],
)


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class SearchField(forms.CharField):
    def to_python(self, value):
        # A NUL byte cannot be searched for or stored; drop it rather than refuse.
        return super().to_python(value).replace("\x00", "")


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


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
        field_name="tags__slug",
        to_field_name="slug",
        queryset=Tag.objects.all(),
        conjoined=True,
        help_text="Articles with every tag chosen.",
    )
    source = django_filters.ModelMultipleChoiceFilter(
        label="Outlets",
        to_field_name="slug",
        queryset=Source.objects.filter(is_active=True),
        method="filter_outlets",
        help_text="Articles from any outlet chosen, or from its wire service.",
    )
    kind = django_filters.ChoiceFilter(
        label="Kind of outlet",
        field_name="source__kind",
        choices=SourceKind.choices,
        empty_label="Any kind",
    )
    country = django_filters.ChoiceFilter(
        label="Outlet's country",
        field_name="source__country",
        choices=list(countries),
        empty_label="Any country",
    )
    language = django_filters.ChoiceFilter(
        label="Language", choices=LANGUAGE_CHOICES, empty_label="Any language"
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
    )

    class Meta:
        model = Article
        fields = []
        form = ArticleFilterForm

    def filter_search(self, queryset, name, value):
        return search_articles(queryset, value)

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
        labels = {}
        for tag in data["tag"] or []:
            labels[("tag", tag.slug)] = f"Tag: {tag.name}"
        for source in data["source"] or []:
            labels[("source", source.slug)] = f"Outlet: {source.name}"
        for key in ("kind", "country", "language"):
            if data[key]:
                choice = dict(self.form.fields[key].choices)[data[key]]
                labels[(key, data[key])] = f"{self.filters[key].label}: {choice}"
        for key in ("q", "published_after", "published_before"):
            if data[key]:
                labels[(key, self.data[key])] = f"{self.filters[key].label}: {self.data[key]}"
        params = list(dict.fromkeys((k, v) for k in self.filters for v in self.data.getlist(k)))
        return [
            {"label": labels[param], "query": urlencode([p for p in params if p != param])}
            for param in params
            if param in labels
        ]
