"""What a reader sees of a list page's cards: their headlines, in order."""

import html
import re

_TITLE = re.compile(r'<h3 class="card-title"><a href="[^"]*">(.*?)</a></h3>', re.S)


def card_titles(response) -> list[str]:
    """The headlines of the cards on a list page, top to bottom."""
    assert response.status_code == 200, response.content[:500]
    return [html.unescape(title) for title in _TITLE.findall(response.text)]
