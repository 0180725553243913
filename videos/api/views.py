"""Video endpoints: job status and cancel, and job analytics for staff."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import OwnerMixin
from videos import selectors, stats
from videos.api.serializers import VideoJobSerializer
from videos.jobs.control import video_job_cancel


class JobDetailView(OwnerMixin, APIView):
    @extend_schema(responses=VideoJobSerializer)
    def get(self, request: Request, job_id: str) -> Response:
        job = selectors.video_job_get(owner=self.owner(request), job_id=job_id)
        if job is None:
            raise Http404("No such job.")
        return Response(VideoJobSerializer(job, context={"request": request}).data)


class JobCancelView(OwnerMixin, APIView):
    @extend_schema(request=None, responses=VideoJobSerializer)
    def post(self, request: Request, job_id: str) -> Response:
        job = selectors.video_job_get(owner=self.owner(request), job_id=job_id)
        if job is None:
            raise Http404("No such job.")
        job = video_job_cancel(job=job)
        return Response(VideoJobSerializer(job, context={"request": request}).data)


def _stats_summary_fields(**extra) -> dict:
    return {
        **extra,
        "total": serializers.IntegerField(),
        "in_flight": serializers.IntegerField(),
        "succeeded": serializers.IntegerField(),
        "failed": serializers.IntegerField(),
        "cancelled": serializers.IntegerField(),
        "success_rate": serializers.FloatField(
            allow_null=True, help_text="succeeded / (succeeded + failed); null without either"
        ),
        "failures_by_error_code": serializers.DictField(child=serializers.IntegerField()),
        "p50_seconds": serializers.FloatField(
            allow_null=True, help_text="median seconds from request to stored video (succeeded)"
        ),
        "p95_seconds": serializers.FloatField(allow_null=True),
    }


class _VideoStatsQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=stats.MAX_DAYS, default=30)


class VideoStatsView(APIView):
    """Video job analytics for staff: the numbers of the admin's analytics page."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[_VideoStatsQuerySerializer],
        responses=inline_serializer(
            name="VideoStats",
            fields={
                "window": inline_serializer(
                    name="VideoStatsWindow",
                    fields={
                        "days": serializers.IntegerField(),
                        "since": serializers.DateTimeField(),
                        "until": serializers.DateTimeField(),
                        "timezone": serializers.CharField(),
                    },
                ),
                "overall": inline_serializer(
                    name="VideoStatsSummary", fields=_stats_summary_fields()
                ),
                "providers": inline_serializer(
                    name="VideoStatsProvider",
                    many=True,
                    fields=_stats_summary_fields(provider=serializers.CharField()),
                ),
                "days": inline_serializer(
                    name="VideoStatsDay",
                    many=True,
                    fields=_stats_summary_fields(date=serializers.DateField()),
                ),
                "storage": inline_serializer(
                    name="VideoStorageStats",
                    fields={
                        "assets": serializers.IntegerField(),
                        "assets_with_renditions": serializers.IntegerField(),
                        "web_renditions": serializers.IntegerField(),
                        "bytes_stored": inline_serializer(
                            name="VideoBytesStored",
                            fields={
                                name: serializers.IntegerField()
                                for name in ("originals", "web", "preview", "total")
                            },
                        ),
                        "bytes_saved": serializers.IntegerField(
                            help_text="Originals' bytes minus their web renditions' (all time)."
                        ),
                        "saved_fraction": serializers.FloatField(allow_null=True),
                        "rendition_seconds": inline_serializer(
                            name="VideoRenditionSeconds",
                            fields={
                                "p50": serializers.FloatField(allow_null=True),
                                "p95": serializers.FloatField(allow_null=True),
                                "per_video_second": serializers.FloatField(allow_null=True),
                            },
                        ),
                    },
                ),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        """Job counts, success rate, failures by error code and p50/p95 times (staff only)."""
        query = _VideoStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        job_stats = stats.video_job_stats(days=query.validated_data["days"])
        return Response({**job_stats, "storage": stats.video_storage_stats()})
