from django.apps import AppConfig
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_delete,
    pre_migrate,
    pre_save,
)


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Coverage"

    def ready(self):
        from . import public_writes, tallies
        from .models import Article, ArticleCopy, Source, Tag
        from .search import search_migrate_finished, search_migrate_started

        pre_migrate.connect(search_migrate_started, sender=self)
        post_migrate.connect(search_migrate_finished, sender=self)
        post_migrate.connect(tallies.tallies_migrate_finished, sender=self)

        # The tallies first: a new version of the page cache must never be
        # drawn from the tallies of the one before.
        receivers = [
            (pre_save, tallies.article_pre_write, Article),
            (post_save, tallies.article_post_write, Article),
            (pre_delete, tallies.article_pre_write, Article),
            (post_delete, tallies.article_post_write, Article),
            (m2m_changed, tallies.tags_changed, Article.tags.through),
            (pre_delete, tallies.tag_pre_delete, Tag),
            (post_delete, tallies.tag_post_delete, Tag),
            (pre_save, tallies.source_pre_save, Source),
            (post_save, tallies.source_post_save, Source),
        ]
        for signal, receiver, sender in receivers:
            signal.connect(receiver, sender=sender, dispatch_uid=f"tallies-{receiver.__name__}")

        # Then the page cache, which a write reaches only if the public sees
        # its rows before or after it.
        for model in (Article, Source, Tag, ArticleCopy):
            for signal, receiver in (
                (pre_save, public_writes.on_pre_write),
                (post_save, public_writes.on_post_save),
                (pre_delete, public_writes.on_pre_write),
                (post_delete, public_writes.on_post_delete),
            ):
                signal.connect(receiver, sender=model, dispatch_uid=f"cache-{receiver.__name__}")
        m2m_changed.connect(
            public_writes.on_tags_changed, sender=Article.tags.through, dispatch_uid="cache-tags"
        )
