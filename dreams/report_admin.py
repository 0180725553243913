"""Admin for visitors' reports: the queue, and resolving a dream's reports in one decision;
and the moderation history (view-only) that the analytics count.

Reports are view-only rows; a moderator resolves them with the actions, which call
``dreams.reports.dreams_reports_resolve`` for the dreams of the selected reports: every
open report of those dreams closes with the decision. The audit trail is the one the
dream actions keep: ``moderated_by`` / ``moderated_at`` on the dream for an unpublish or
a rejection (``dreams.moderation``), who and when on each report (``resolved_by``,
``resolved_at``), and a ``LogEntry`` in the admin history of each dream and report.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from dreams import reports
from dreams.admin import RejectionForm
from dreams.models import (
    Dream,
    DreamReport,
    ModerationDecision,
    ReportResolution,
    StorageTier,
)
from dreams.stats_admin import duration_text


@admin.register(DreamReport)
class DreamReportAdmin(admin.ModelAdmin):
    list_display = [
        "dream_link",
        "reason",
        "short_text",
        "reporter_kind",
        "created_at",
        "status",
        "resolution",
        "resolved_by",
        "resolved_at",
    ]
    list_filter = ["status", "reason", "resolution", "created_at"]
    list_select_related = ["dream", "resolved_by"]
    search_fields = ["dream__title", "text"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["dismiss_reports", "unpublish_reported", "reject_reported"]
    fields = [
        "dream_link",
        "reason",
        "text",
        "reporter_kind",
        "created_at",
        "status",
        "resolution",
        "resolved_by",
        "resolved_at",
    ]
    readonly_fields = fields

    # --- view-only rows, decisions through actions --------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # visitors open reports, through the API

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the queue's history stays; a deleted dream takes its reports along

    def has_decide_permission(self, request: HttpRequest) -> bool:
        """Resolving changes the dreams too (shown, private, rejected): both permissions."""
        dream_opts = Dream._meta
        return self.has_change_permission(request) and request.user.has_perm(
            f"{dream_opts.app_label}.{get_permission_codename('change', dream_opts)}"
        )

    def get_ordering(self, request: HttpRequest) -> list[str]:
        if request.GET.get("status__exact") == "open":
            return ["created_at", "id"]  # a queue: first come, first served
        return ["-created_at", "-id"]

    # --- columns --------------------------------------------------------------------------

    @admin.display(description="dream", ordering="dream__title")
    def dream_link(self, report: DreamReport) -> str:
        dream = report.dream
        badge = " (hidden from the gallery)" if dream.hidden_by_reports else ""
        return format_html(
            '<a href="{}">{}</a>{}',
            reverse("admin:dreams_dream_change", args=[dream.pk]),
            dream.title,
            badge,
        )

    @admin.display(description="reporter")
    def reporter_kind(self, report: DreamReport) -> str:
        return "account" if report.reporter_key.startswith("u:") else "visitor"

    @admin.display(description="text")
    def short_text(self, report: DreamReport) -> str:
        return Truncator(report.text).chars(80) or "—"

    # --- resolving (each action calls dreams.reports) ---------------------------------------

    def _dreams_of(self, queryset: QuerySet) -> QuerySet:
        ids = queryset.order_by().values_list("dream_id", flat=True).distinct()
        return Dream.objects.filter(pk__in=list(ids))

    def _resolve(
        self, request: HttpRequest, queryset: QuerySet, resolution: str, message: str, reason=""
    ) -> None:
        dreams = self._dreams_of(queryset)
        closing = list(
            reports.dream_reports_open().filter(dream__in=dreams).values_list("pk", flat=True)
        )
        count = reports.dreams_reports_resolve(
            dream_ids=dreams.values_list("pk", flat=True),
            resolution=resolution,
            moderator=request.user,
            reason=reason,
        )
        for chosen in (dreams, DreamReport.objects.filter(pk__in=closing)):
            LogEntry.objects.log_actions(
                user_id=request.user.pk, queryset=chosen, action_flag=CHANGE, change_message=message
            )
        self.message_user(
            request, f"{message} ({count} dream(s), {len(closing)} report(s))", messages.SUCCESS
        )

    @admin.action(
        description="Dismiss the reports (the dream stays, shown again)", permissions=["decide"]
    )
    def dismiss_reports(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._resolve(request, queryset, ReportResolution.DISMISS, "Reports dismissed.")

    @admin.action(
        description="Unpublish the reported dreams (make private)", permissions=["decide"]
    )
    def unpublish_reported(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._resolve(request, queryset, ReportResolution.UNPUBLISH, "Unpublished after reports.")

    @admin.action(description="Reject the reported dreams, with a reason…", permissions=["decide"])
    def reject_reported(self, request: HttpRequest, queryset: QuerySet):
        """Ask for the reason on an intermediate page; reject once it is given."""
        form = RejectionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                self._resolve(
                    request,
                    queryset,
                    ReportResolution.REJECT,
                    f"Rejected after reports: {reason}",
                    reason=reason,
                )
            except ValidationError as exc:  # the form checks the reason first; a second guard
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return None
        dreams = self._dreams_of(queryset)
        return TemplateResponse(
            request,
            "admin/dreams/reject_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": "Reject reported dreams",
                "opts": self.opts,
                "form": form,
                "dreams": dreams.order_by("title")[:20],
                "count": dreams.count(),
                "noun": ("dream", "dreams"),
                "action_field": "action",
                "action_name": "reject_reported",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
            },
        )


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(admin.ModelAdmin):
    """The moderation history the analytics count (``dreams.stats``): view-only."""

    list_display = ["decided_at", "decision", "dream_link", "moderator", "wait"]
    list_filter = ["decision", "storage", "decided_at"]
    list_select_related = ["moderator"]
    date_hierarchy = "decided_at"
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="dream")
    def dream_link(self, decision: ModerationDecision) -> str:
        model = "dream" if decision.storage == StorageTier.DREAMS else "demodream"
        url = reverse(f"admin:dreams_{model}_change", args=[decision.dream_id])
        return format_html('<a href="{}">{}</a>', url, decision.dream_id)

    @admin.display(description="wait since the request")
    def wait(self, decision: ModerationDecision) -> str:
        return duration_text((decision.decided_at - decision.requested_at).total_seconds())
