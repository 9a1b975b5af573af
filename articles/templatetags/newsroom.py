import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# What could end the <script> element or start markup inside it, as JSON escapes.
_SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

register = template.Library()


@register.simple_tag(takes_context=True)
def news_article_json_ld(context, article, tags) -> SafeString:
    """schema.org NewsArticle data for search engines, in a non-executable script."""
    request = context["request"]
    page = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "description": article.summary,
        "url": page,
        "mainEntityOfPage": page,
        "dateModified": article.updated_at,
        "publisher": {"@type": "Organization", "name": article.source.name},
        "keywords": [tag.name for tag in tags],
        "inLanguage": article.language,
    }
    if article.published_at:
        data["datePublished"] = article.published_at
    if article.byline:
        data["author"] = {"@type": "Person", "name": article.byline}
    if article.url:
        data["isBasedOn"] = article.url
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_SAFE)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))
