from django.db import migrations


def fill(apps, schema_editor):
    """Derive the new fields for rows saved before they existed.

    Two old articles whose URLs share a canonical form keep an empty key
    rather than fail the migration; the editor can merge them by hand.
    """
    from articles.services.urls import url_domain, url_key

    Source = apps.get_model("articles", "Source")
    Article = apps.get_model("articles", "Article")
    for source in Source.objects.exclude(homepage="").only("pk", "homepage"):
        Source.objects.filter(pk=source.pk).update(domain=url_domain(source.homepage))
    seen = set()
    for article in Article.objects.exclude(url="").only("pk", "url").order_by("pk"):
        key = url_key(article.url)
        if key and key not in seen:
            seen.add(key)
            Article.objects.filter(pk=article.pk).update(url_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_import_records_copies_and_feed_state"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
