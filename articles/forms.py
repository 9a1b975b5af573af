from django import forms
from django.conf import settings

from .models import Source
from .services.extract import looks_like_html
from .services.urls import InvalidURL, url_clean


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
        max_length=settings.IMPORT_MAX_BYTES,
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

    def clean_content(self):
        return self.cleaned_data["content"].replace("\x00", "")

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
