from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

from .autocomplete import SafeAutocompleteMixin
from .forms import ImportForm
from .history_admin import RoleCheckedHistoryAdmin
from .models import (
    Article,
    ArticleStatus,
    ImportOrigin,
    ImportRecord,
    ImportStatus,
    Source,
    Tag,
)
from .services.dedupe import story_fingerprint, story_fingerprint_store
from .services.extract import html_text, looks_like_html
from .services.ingest import import_record_create
from .services.leases import import_record_requeue, import_records_reclaim
from .tasks import import_record_process, source_feed_poll


def _transition_action(status: str, description: str, permission: str):
    @admin.action(description=description, permissions=[permission])
    def action(modeladmin, request, queryset):
        moved, refused = queryset.transition(status, user=request.user)
        label = ArticleStatus(status).label.lower()
        if moved:
            modeladmin.message_user(
                request,
                ngettext(
                    "%(count)d article is now %(label)s.",
                    "%(count)d articles are now %(label)s.",
                    len(moved),
                )
                % {"count": len(moved), "label": label},
                messages.SUCCESS,
            )
        if refused:
            modeladmin.message_user(
                request,
                ngettext(
                    "%(count)d article was left as it was: %(titles)s. It is %(label)s "
                    "already, or that move is not one you may make from where it is.",
                    "%(count)d articles were left as they were: %(titles)s. They are "
                    "%(label)s already, or that move is not one you may make from where "
                    "they are.",
                    len(refused),
                )
                % {
                    "count": len(refused),
                    "titles": "; ".join(a.title for a in refused[:5]),
                    "label": label,
                },
                messages.WARNING,
            )

    action.__name__ = f"make_{status}"
    return action


@admin.register(Article)
class ArticleAdmin(SafeAutocompleteMixin, RoleCheckedHistoryAdmin):
    list_display = [
        "title",
        "status",
        "source",
        "published_at",
        "tag_list",
        "publish_at",
        "updated_at",
    ]
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
    readonly_fields = [
        "first_published_at",
        "status_changed_at",
        "status_changed_by",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]
    record_fields = readonly_fields
    actions = [
        _transition_action(ArticleStatus.REVIEW, "Send the selected articles to review", "change"),
        _transition_action(ArticleStatus.PUBLISHED, "Publish the selected articles", "publish"),
        _transition_action(
            ArticleStatus.DRAFT, "Send the selected articles back to draft", "change"
        ),
        _transition_action(ArticleStatus.ARCHIVED, "Archive the selected articles", "publish"),
    ]
    history_list_display = ["status"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "publish_at"]}),
        (
            "Where it ran",
            {
                "fields": [
                    "source",
                    "wire_service",
                    "url",
                    "byline",
                    "published_at",
                    "also_published_by",
                ]
            },
        ),
        ("Curation", {"fields": ["summary", "tags", "editor_note", "language", "correction"]}),
        ("Text", {"fields": ["body"], "classes": ["collapse"]}),
        ("Record", {"fields": record_fields, "classes": ["collapse"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = [*self.readonly_fields, "also_published_by"]
        if not Article.is_editor(request.user):
            # Only editors schedule.
            fields.append("publish_at")
        return fields

    def has_publish_permission(self, request):
        return Article.is_editor(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return obj.can_edit(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user
        article = obj or Article(created_by=user)
        # From the database: `obj` may be an old version, on the history's revert form.
        current = Article.objects.stored_status(obj)

        class StatusForm(form_class):
            """Offers only the statuses this user may move this article to."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if "status" in self.fields:
                    allowed = article.allowed_statuses(user, from_status=current)
                    self.fields["status"].choices = [
                        choice for choice in ArticleStatus.choices if choice[0] in allowed
                    ]

        return StatusForm

    def revert_initial(self, version, form):
        # A revert restores the text and details; the article stays where it
        # is in the workflow unless the editor picks another status.
        initial = super().revert_initial(version, form)
        initial.pop("status", None)
        return initial

    @admin.display(description="also published by")
    def also_published_by(self, obj):
        copies = list(obj.copies.select_related("source")) if obj and obj.pk else []
        if not copies:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}" rel="nofollow noopener">{}</a> ({:.0%} alike)',
            ((copy.url, copy.source, copy.similarity) for copy in copies),
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("tags")
        if not Article.is_editor(request.user):
            # Contributors work on their own articles and see no one else's.
            queryset = queryset.filter(created_by=request.user)
        return queryset

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(tag.name for tag in obj.tags.all())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        # Where it stands in the database, not the form's initial data, which a
        # crafted post or an old version on the revert form can make anything.
        before = Article.objects.stored_status(obj)
        if obj.status != before:
            # Checked again here, and recorded: who moved it, and when.
            obj.transition(obj.status, user=request.user, from_status=before, save=False)
        super().save_model(request, obj, form, change)
        if not change or "body" in form.changed_data:
            # Typed-in articles are found as the same story as later imports too.
            story_fingerprint_store(
                article=obj, fingerprint=story_fingerprint(text=html_text(obj.body))
            )


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
class SourceAdmin(ArticleCountMixin, RoleCheckedHistoryAdmin):
    list_display = ["name", "kind", "country", "language", "is_active", "article_total"]
    list_filter = ["kind", "is_active", "country", "language"]
    search_fields = ["name", "homepage", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["domain", "feed_polled_at", "feed_error"]
    actions = ["poll_feeds"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "is_active"]}),
        ("Where", {"fields": ["homepage", "domain", "country", "language", "description"]}),
        ("Feed", {"fields": ["feed_url", "feed_poll_minutes", "feed_polled_at", "feed_error"]}),
    ]

    @admin.action(description="Poll the selected sources' feeds now", permissions=["change"])
    def poll_feeds(self, request, queryset):
        sources = list(queryset.exclude(feed_url=""))
        for source in sources:
            source_feed_poll.enqueue(source.pk)
        self.message_user(
            request,
            ngettext(
                "%(count)d feed will be polled in the background.",
                "%(count)d feeds will be polled in the background.",
                len(sources),
            )
            % {"count": len(sources)},
            messages.SUCCESS,
        )


@admin.register(Tag)
class TagAdmin(ArticleCountMixin, RoleCheckedHistoryAdmin):
    list_display = ["name", "kind", "article_total"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    """Every import attempt; new ones start on the Import page."""

    list_display = ["created_at", "requested", "origin", "status_line", "result", "requested_by"]
    list_filter = ["status", "origin", ("source", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["article", "requested_by"]
    search_fields = ["requested", "url", "message"]
    date_hierarchy = "created_at"
    fields = [
        "requested",
        "origin",
        "url",
        "source",
        "status",
        "attempts",
        "result",
        "message",
        "requested_by",
        "created_at",
        "started_at",
        "lease_expires_at",
        "finished_at",
    ]
    readonly_fields = fields
    actions = ["retry"]
    change_list_template = "admin/articles/importrecord/change_list.html"
    change_form_template = "admin/articles/importrecord/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("articles.add_article")

    @admin.action(description="Try the selected failed imports again", permissions=["retry"])
    def retry(self, request, queryset):
        # The same record runs again, so the list keeps one line for the
        # import, saying how its latest try ended and which try it was.
        started = 0
        for record in queryset.filter(status=ImportStatus.FAILED):
            with transaction.atomic():
                if import_record_requeue(record=record):  # not if another editor just did
                    import_record_process.enqueue(record.pk)
                    started += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d import started again; its line shows how this try ends.",
                "%(count)d imports started again; their lines show how these tries end.",
                started,
            )
            % {"count": started},
            messages.SUCCESS,
        )

    @admin.display(description="status", ordering="status")
    def status_line(self, obj):
        return obj.status_line

    @admin.display(description="article")
    def result(self, obj):
        if obj.article_id is None:
            return "—"
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        label = "Open the draft" if obj.status == ImportStatus.DONE else "Open the article"
        return format_html('<a href="{}">{}</a>: {}', url, label, obj.article)

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="articles_importrecord_import"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        import_records_reclaim()  # show no import running whose worker stopped
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # A record whose worker stopped shows as failed, not running for ever.
        import_records_reclaim()
        record = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "pending": bool(record and record.is_pending)}
        return super().change_view(request, object_id, form_url, extra_context)

    def import_view(self, request):
        # An import makes articles and, for an unknown domain, outlets: an
        # editors' tool, like the records it leaves.
        if not request.user.has_perms(["articles.add_importrecord", "articles.add_article"]):
            raise PermissionDenied
        form = ImportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            content = data["content"]
            kind = "HTML" if looks_like_html(content) else "text"
            with transaction.atomic():
                record = import_record_create(
                    origin=ImportOrigin.PASTE if content.strip() else ImportOrigin.URL,
                    requested=data["url"] or f"pasted {kind}, {len(content):,} characters",
                    url=data["url"],
                    payload=content if content.strip() else "",
                    source=data["source"],
                    user=request.user,
                )
                import_record_process.enqueue(record.pk)
            self.message_user(
                request, "Import started; this page shows how it ended.", messages.SUCCESS
            )
            return redirect("admin:articles_importrecord_change", record.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import an article",
            "opts": self.model._meta,
            "form": form,
            "recent": ImportRecord.objects.filter(requested_by=request.user).select_related(
                "article"
            )[:10],
        }
        return TemplateResponse(request, "admin/articles/importrecord/import.html", context)
