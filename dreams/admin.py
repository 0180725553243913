"""Admin for moderating dreams: review the video, then approve, reject, unpublish or regenerate.

The dream pages are view-only: a moderator's decisions go through the actions
(on the changelist, or on a dream's own page), which call ``dreams.moderation``.
Nothing here saves a dream directly, so no decision skips ``moderated_by`` /
``moderated_at`` and no admin save overwrites what a video worker wrote meanwhile.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation, helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from dreams import moderation, selectors
from dreams.models import AbstractDream, DemoDream, Dream, ModerationStatus
from dreams.services import dream_delete
from videos.models import VideoJob
from videos.sources import VideoSource

BOTH_PLACES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
FLAG_FIELDS = ["lucid", "nightmare", "recurring"]
# The owner's details of the night, shown read-only like the rest of the dream.
DETAIL_FIELDS = ["dreamt_on", *FLAG_FIELDS, "clarity", "sleep_quality", "tag_list"]
# Filters on the details, after each admin's moderation filters.
DETAIL_FILTERS = [*FLAG_FIELDS, "dreamt_on"]
QUEUE_PARAM = "queue"
QUEUE_VALUE = "pending"


class RejectionForm(forms.Form):
    reason = forms.CharField(
        max_length=moderation.REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="The owner sees this reason with their dream.",
    )

    def clean_reason(self) -> str:
        try:
            return moderation.clean_rejection_reason(self.cleaned_data["reason"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class LatestJobProviderFilter(admin.SimpleListFilter):
    """Dreams by the provider of their latest video job (an annotated subquery, no N+1)."""

    title = "video provider (latest job)"
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        return VideoSource.choices

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(latest_provider=self.value())


class ModerationQueueFilter(admin.SimpleListFilter):
    """The moderation queue: public dreams waiting for a decision (shown oldest first)."""

    title = "moderation queue"
    parameter_name = QUEUE_PARAM

    def lookups(self, request, model_admin):
        return [(QUEUE_VALUE, "Waiting for a moderator, oldest first")]

    def queryset(self, request, queryset):
        if self.value() != QUEUE_VALUE:
            return queryset
        return queryset.filter(is_public=True, moderation_status=ModerationStatus.PENDING)


class ModeratedDreamAdmin(admin.ModelAdmin):
    """What the ``Dream`` and ``DemoDream`` admins share."""

    job_field = "dream"  # the VideoJob foreign key pointing at this model
    list_per_page = 50
    date_hierarchy = "dreamt_on"
    search_fields = ["title", "content"]
    list_select_related = ["video_asset", "moderated_by"]
    actions = ["approve_dreams", "reject_dreams", "unpublish_dreams", "regenerate_videos"]
    owner_field = "owner"
    fieldsets_tail = [
        (
            "Moderation",
            {
                "fields": [
                    "is_public",
                    "moderation_status",
                    "moderation_reason",
                    "moderated_by",
                    "moderated_at",
                ]
            },
        ),
        (
            "Video",
            {
                "fields": [
                    "video_status",
                    "latest_job_provider",
                    "video_prompt",
                    "video_duration",
                    "video_asset",
                    "video_url",
                    "thumbnail_url",
                ]
            },
        ),
        ("Record", {"fields": ["id", "analysis", "created_at", "updated_at"]}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        head = (None, {"fields": ["video_player", "title", "content", self.owner_field]})
        return [head, ("The night", {"fields": DETAIL_FIELDS}), *self.fieldsets_tail]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # Everything: the page shows a dream, the actions decide about it.
        return [
            name for _, options in self.get_fieldsets(request, obj) for name in options["fields"]
        ]

    # --- permissions: view-only pages, decisions through actions ----------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # dreams are written by their owners, through the API

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Without an object: the changelist and the actions. With one: a view-only page.
        return obj is None and super().has_change_permission(request)

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A dream's jobs go with it (cancelled first); they are never deleted on their own.
        perms_needed.discard(VideoJob._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: AbstractDream) -> None:
        dream_delete(dream=obj)  # cancels its jobs in flight first

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for dream in queryset:
            dream_delete(dream=dream)

    # --- queryset and columns ---------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        latest = VideoJob.objects.filter(**{self.job_field: OuterRef("pk")}).order_by(
            "-created_at", "-id"
        )
        return (
            super()
            .get_queryset(request)
            .defer("search_vector")  # PostgreSQL's own index data: never shown, never loaded
            .annotate(latest_provider=Subquery(latest.values("provider")[:1]))
        )

    def get_ordering(self, request: HttpRequest) -> list[str]:
        if request.GET.get(QUEUE_PARAM) == QUEUE_VALUE:
            return ["created_at", "id"]  # a queue: first come, first served
        return ["-created_at", "-id"]

    @admin.display(description="")
    def thumbnail(self, dream: AbstractDream) -> str:
        if dream.video_asset_id is None or not dream.video_asset.thumbnail:
            return "—"
        return format_html(
            '<img src="{}" alt="" loading="lazy" width="96" '
            'style="max-height:54px;object-fit:cover">',
            reverse("dream-thumbnail", kwargs={"dream_id": dream.pk}),
        )

    @admin.display(description="video")
    def video_player(self, dream: AbstractDream) -> str:
        if dream.video_asset_id is None:
            return f"No stored video ({dream.get_video_status_display().lower()})."
        poster = (
            reverse("dream-thumbnail", kwargs={"dream_id": dream.pk})
            if dream.video_asset.thumbnail
            else ""
        )
        return format_html(
            '<video controls preload="metadata" src="{}" poster="{}" width="480" '
            'style="max-width:100%;background:#000"></video>',
            reverse("dream-video", kwargs={"dream_id": dream.pk}),
            poster,
        )

    @admin.display(description="kind")
    def kind(self, dream: AbstractDream) -> str:
        return ", ".join(name for name in FLAG_FIELDS if getattr(dream, name)) or "—"

    @admin.display(description="tags")
    def tag_list(self, dream: AbstractDream) -> str:
        tags = dream.tags if isinstance(dream.tags, list) else []
        return ", ".join(str(tag) for tag in tags) or "—"

    @admin.display(description="provider", ordering="latest_provider")
    def latest_job_provider(self, dream: AbstractDream) -> str:
        return getattr(dream, "latest_provider", None) or "—"

    # --- moderation actions (each calls a service) ------------------------------------

    def _chosen(self, queryset: QuerySet) -> QuerySet:
        """The selected dreams by primary key: a decision may take them out of the filter."""
        return queryset.model.objects.filter(pk__in=list(queryset.values_list("pk", flat=True)))

    def _log(self, request: HttpRequest, chosen: QuerySet, message: str) -> None:
        """Who did what, in the admin's history of each dream."""
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=chosen, action_flag=CHANGE, change_message=message
        )

    @admin.action(
        description="Approve for the gallery",
        description_plural="Approve the selected dreams for the gallery",
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def approve_dreams(self, request: HttpRequest, queryset: QuerySet) -> None:
        chosen = self._chosen(queryset)
        count = moderation.dreams_approve(queryset=chosen, moderator=request.user)
        self._log(request, chosen, "Approved.")
        self.message_user(request, f"Approved {count} dream(s).", messages.SUCCESS)

    @admin.action(
        description="Reject, with a reason…",
        description_plural="Reject the selected dreams, with a reason…",
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def reject_dreams(self, request: HttpRequest, queryset: QuerySet):
        """Ask for the reason on an intermediate page; reject once it is given."""
        form = RejectionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            chosen = self._chosen(queryset)
            count = moderation.dreams_reject(queryset=chosen, moderator=request.user, reason=reason)
            self._log(request, chosen, f"Rejected: {reason}")
            self.message_user(request, f"Rejected {count} dream(s).", messages.SUCCESS)
            return None
        on_change_form = f"{ActionLocation.CHANGE_FORM.value}-action" in request.POST
        return TemplateResponse(
            request,
            "admin/dreams/reject_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": "Reject dreams",
                "opts": self.opts,
                "form": form,
                "dreams": queryset[:20],
                "count": queryset.count(),
                "action_field": (
                    f"{ActionLocation.CHANGE_FORM.value}-action" if on_change_form else "action"
                ),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
            },
        )

    @admin.action(
        description="Unpublish (make private)",
        description_plural="Unpublish the selected dreams (make them private)",
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def unpublish_dreams(self, request: HttpRequest, queryset: QuerySet) -> None:
        chosen = self._chosen(queryset)
        count = moderation.dreams_unpublish(queryset=chosen, moderator=request.user)
        self._log(request, chosen, "Unpublished.")
        self.message_user(request, f"Unpublished {count} dream(s).", messages.SUCCESS)

    @admin.action(
        description="Regenerate the video",
        description_plural="Regenerate the videos of the selected dreams",
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def regenerate_videos(self, request: HttpRequest, queryset: QuerySet) -> None:
        report = moderation.dreams_video_regenerate(queryset=queryset, moderator=request.user)
        if report.jobs:
            self.message_user(
                request, f"Started {len(report.jobs)} new video(s).", messages.SUCCESS
            )
        if report.skipped:
            self.message_user(
                request, "Not regenerated: " + "; ".join(report.skipped), messages.WARNING
            )


@admin.register(Dream)
class DreamAdmin(ModeratedDreamAdmin):
    list_display = [
        "thumbnail",
        "title",
        "owner",
        "dreamt_on",
        "kind",
        "video_status",
        "latest_job_provider",
        "is_public",
        "moderation_status",
        "moderated_by",
        "moderated_at",
        "open_reports_link",
        "created_at",
    ]
    list_display_links = ["thumbnail", "title"]
    list_filter = [
        ModerationQueueFilter,
        "moderation_status",
        "hidden_by_reports",
        "is_public",
        "video_status",
        LatestJobProviderFilter,
        "created_at",
        *DETAIL_FILTERS,
    ]
    search_fields = ["title", "content", "owner__username"]
    list_select_related = ["owner", "video_asset", "moderated_by"]

    @admin.display(description="open reports", ordering="open_reports")
    def open_reports_link(self, dream: Dream) -> str:
        """How many visitors' reports wait, linking to them (``dreams.report_admin``)."""
        if not dream.open_reports:
            return "—"
        reports = reverse("admin:dreams_dreamreport_changelist")
        return format_html(
            '<a href="{}?dream__id__exact={}&amp;status__exact=open">{}</a>{}',
            reports,
            dream.pk,
            dream.open_reports,
            " (hidden)" if dream.hidden_by_reports else "",
        )

    def get_urls(self):
        from dreams.stats_admin import dream_stats_view

        stats = self.admin_site.admin_view(lambda request: dream_stats_view(self, request))
        return [path("stats/", stats, name="dreams_dream_stats"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "stats_url": reverse("admin:dreams_dream_stats"),
            "queue_url": f"?{QUEUE_PARAM}={QUEUE_VALUE}",
            "queue_size": selectors.dream_moderation_queue().count(),
        }
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(DemoDream)
class DemoDreamAdmin(ModeratedDreamAdmin):
    job_field = "demo_dream"
    owner_field = "demo_owner"
    list_display = [
        "thumbnail",
        "title",
        "demo_owner",
        "dreamt_on",
        "kind",
        "video_status",
        "latest_job_provider",
        "is_public",
        "moderation_status",
        "moderated_by",
        "moderated_at",
        "created_at",
    ]
    list_display_links = ["thumbnail", "title"]
    list_filter = [
        "moderation_status",
        "is_public",
        "video_status",
        LatestJobProviderFilter,
        "created_at",
        *DETAIL_FILTERS,
    ]

    @admin.display(description="session")
    def demo_owner(self, dream: DemoDream) -> str:
        # The key is a visitor's identity: a prefix is enough to tell sessions apart.
        return f"{dream.session_key[:8]}…"


# Visitors' reports and their resolution (after RejectionForm, which it reuses).
from dreams import report_admin  # noqa: E402, F401
