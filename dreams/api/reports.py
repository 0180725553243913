"""``POST /api/dreams/{id}/report``: a visitor reports a public dream to the moderators."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import OwnerMixin, validated
from common.clients import client_address
from common.csrf import csrf_failure
from common.throttling import ClientRateThrottle
from dreams import reports, selectors
from dreams.models import REPORT_TEXT_MAX_CHARS, ReportReason, ReportStatus
from dreams.selectors import Scope


class ReportInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=ReportReason.choices,
        error_messages={
            "invalid_choice": "Choose one of: " + ", ".join(ReportReason.values) + ".",
        },
    )
    text = serializers.CharField(
        max_length=REPORT_TEXT_MAX_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text="Anything the moderator should know (optional).",
    )


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    dream_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    created_at = serializers.DateTimeField()


class ReportRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "already_reported"


class DreamReportView(OwnerMixin, APIView):
    # Per account, else per client address (``NUM_PROXIES`` trusted proxies): no shared
    # anonymous pool, which one visitor could use up for everyone.
    throttle_classes = [ClientRateThrottle]
    throttle_scope = "dream_report"

    def check_before_body(self, request: Request) -> None:
        """CSRF for every anonymous report, session or not: a report counts its sender's
        address, so another site must not make its visitors' browsers send them."""
        if request.user.is_authenticated or request.auth is not None:
            return  # a session user is checked by DRF; a token is no ambient credential
        if getattr(request._request, "_dont_enforce_csrf_checks", False):
            return
        if reason := csrf_failure(request._request):
            raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")

    @extend_schema(
        request=ReportInputSerializer,
        responses={
            201: ReportSerializer,
            403: OpenApiResponse(
                ReportRefusalSerializer, description="Your own dream, or CSRF failed"
            ),
            404: OpenApiResponse(
                ReportRefusalSerializer, description="No such dream in the gallery"
            ),
            409: OpenApiResponse(ReportRefusalSerializer, description="Your report is still open"),
        },
    )
    def post(self, request: Request, dream_id: str) -> Response:
        """Report a public dream (only dreams in the gallery; others are 404). One open
        report per visitor and dream; enough open reports hide it until a moderator decides."""
        dream = selectors.dream_get(dream_id=dream_id, scope=Scope.VISIBLE)
        if dream is None:
            raise Http404("No such dream.")
        data = validated(ReportInputSerializer, request)
        user = request.user if request.user.is_authenticated else None
        address = client_address(request)
        try:
            report = reports.dream_report_open(
                dream=dream,
                reason=data["reason"],
                text=data["text"].strip(),
                reporter=user,
                reporter_key=reports.reporter_key(user=user, address=address),
                network_key=reports.network_key(address),
            )
        except reports.OwnDream as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except reports.AlreadyReported as exc:
            raise Conflict(str(exc)) from exc
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)
