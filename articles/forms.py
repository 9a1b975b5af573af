"""Forms: the editors' import form, and fast select widgets for the public filters.

The filter form offers every tag, outlet, country and language: over a
thousand options, which Django's template-per-option rendering turns into most
of a page's time. The FastSelect widgets render the same HTML from a string
made once for a list of choices, marking the chosen values in it.
"""

from functools import lru_cache

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Source
from .services.extract import looks_like_html
from .services.urls import InvalidURL, url_clean


@lru_cache(maxsize=64)
def _options(choices: tuple[tuple[str, str], ...]) -> str:
    return "".join(
        f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices
    )


def options_html(choices) -> str:
    """The <option>s of `choices`, none chosen: what FastSelect widgets may be given."""
    return _options(tuple((str(value), str(label)) for value, label in choices))


class FastSelectMixin:
    # The <option>s, made once elsewhere (`options_html`) for choices that are
    # costly to list on every request; otherwise made from `choices`.
    options = None

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        html = str(self.options) if self.options is not None else options_html(self.choices)
        chosen = self.format_value(value)
        for choice in chosen if self.allow_multiple_selected else chosen[:1]:
            option = f'<option value="{escape(choice)}">'
            html = html.replace(option, option[:-1] + " selected>", 1)
        return mark_safe(f"<select{flatatt(final_attrs)}>{html}</select>")


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


class ImportForm(forms.Form):
    """What an editor gives to bring an article in: a URL, a pasted page, or both."""

    url = forms.URLField(
        label="URL",
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text="The article's address. With a pasted page, the address it came from: "
        "nothing is fetched then.",
        widget=forms.URLInput(attrs={"size": 80, "autofocus": True}),
    )
    content = forms.CharField(
        label="or paste the page",
        required=False,
        strip=False,
        help_text="For paywalled pages: the page's HTML source, or its text copied from the "
        "browser (headline, byline and date at the top).",
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
    )
    source = forms.ModelChoiceField(
        label="Outlet",
        queryset=Source.objects.order_by("name"),
        required=False,
        help_text="Leave empty to match the outlet by the page's domain (an unknown "
        "domain becomes a new, inactive outlet).",
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url:
            return ""
        try:
            return url_clean(url)
        except InvalidURL as error:
            raise forms.ValidationError("Give an http or https address.") from error

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser stops a paste at this many characters: never fewer bytes.
        self.fields["content"].widget.attrs["maxlength"] = settings.IMPORT_MAX_BYTES

    def clean_content(self):
        content = self.cleaned_data["content"].replace("\x00", "")
        size, limit = len(content.encode()), settings.IMPORT_MAX_BYTES
        if size > limit:
            # The limit of a fetched page too (IMPORT_MAX_BYTES): one rule for a page.
            raise forms.ValidationError(
                f"The pasted page is {size / 1e6:.1f} MB; an import takes pages of up to "
                f"{limit / 1e6:.1f} MB, pasted or fetched. Paste the article's part of the "
                "page, or its text."
            )
        return content

    def clean(self):
        cleaned = super().clean()
        url, content = cleaned.get("url"), cleaned.get("content", "")
        if self.errors:
            return cleaned
        if not url and not content.strip():
            raise forms.ValidationError("Give the article's URL, or paste the page.")
        if (
            content.strip()
            and not url
            and not cleaned.get("source")
            and not looks_like_html(content)
        ):
            self.add_error(
                "source",
                "Pasted text does not say where it ran: choose the outlet, or give the URL.",
            )
        return cleaned
