from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.utils.translation import ngettext

from .models import Article, ArticleStatus, Source, Tag


def _status_action(status: str, description: str):
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        with transaction.atomic():
            count = queryset.set_status(status, user=request.user)
        label = ArticleStatus(status).label.lower()
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d article is now %(label)s.",
                "%(count)d articles are now %(label)s.",
                count,
            )
            % {"count": count, "label": label},
            messages.SUCCESS,
        )

    action.__name__ = f"make_{status}"
    return action


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "source", "published_at", "tag_list", "updated_at"]
    list_display_links = ["title"]
    list_filter = [
        "status",
        ("source", admin.RelatedOnlyFieldListFilter),
        "source__kind",
        ("tags", admin.RelatedOnlyFieldListFilter),
        "published_at",
        "language",
    ]
    list_select_related = ["source"]
    list_per_page = 50
    search_fields = ["title", "summary", "byline", "url"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["source", "wire_service", "tags"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    actions = [
        _status_action(ArticleStatus.PUBLISHED, "Publish the selected articles"),
        _status_action(ArticleStatus.DRAFT, "Send the selected articles back to draft"),
        _status_action(ArticleStatus.ARCHIVED, "Archive the selected articles"),
    ]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "status"]}),
        ("Where it ran", {"fields": ["source", "wire_service", "url", "byline", "published_at"]}),
        ("Curation", {"fields": ["summary", "tags", "editor_note", "language"]}),
        ("Text", {"fields": ["body"], "classes": ["collapse"]}),
        ("Record", {"fields": readonly_fields, "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(tag.name for tag in obj.tags.all())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class ArticleCountMixin:
    """Shows each row's number of articles, counted in the list's own query."""

    # An aggregate drops Meta.ordering, so the admin orders explicitly.
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description="articles", ordering="article_total")
    def article_total(self, obj):
        return obj.article_total


@admin.register(Source)
class SourceAdmin(ArticleCountMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "country", "language", "is_active", "article_total"]
    list_filter = ["kind", "is_active", "country", "language"]
    search_fields = ["name", "homepage", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(ArticleCountMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "article_total"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases", "description"]
    prepopulated_fields = {"slug": ["name"]}
