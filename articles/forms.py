"""Form widgets for the public filters.

The filter form offers every tag, outlet, country and language: over a
thousand options, which Django's template-per-option rendering turns into most
of a page's time. These render the same HTML from a string made once for a
list of choices, marking the chosen values in it.
"""

from functools import lru_cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


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
        html = self.options if self.options is not None else options_html(self.choices)
        chosen = self.format_value(value)
        for choice in chosen if self.allow_multiple_selected else chosen[:1]:
            option = f'<option value="{escape(choice)}">'
            html = html.replace(option, option[:-1] + " selected>", 1)
        return mark_safe(f"<select{flatatt(final_attrs)}>{html}</select>")


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass
