from django import template
from django.utils.safestring import SafeString

from articles.search import highlight as highlight_snippet

register = template.Library()


@register.filter
def highlight(snippet: str | None) -> SafeString:
    """A search snippet, escaped, with its hits in <mark>."""
    return highlight_snippet(snippet)
