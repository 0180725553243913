"""Video endpoints: generation, storing videos made elsewhere, job status and cancel."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from dreamjourney.api import SafeJSONParser
from dreams.api.serializers import DreamWithJobSerializer
from dreams.api.views import OwnerMixin, _validated
from dreams.selectors import dream_get
from videos import selectors, services, stats
from videos.api.serializers import (
    GenerateVideoInputSerializer,
    JobEnvelopeSerializer,
    StoreVideoInputSerializer,
    VideoJobSerializer,
)


class GenerateVideoView(OwnerMixin, APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "video_generation"

    @extend_schema(request=GenerateVideoInputSerializer, responses={202: JobEnvelopeSerializer})
    def post(self, request: Request) -> Response:
        """Start generating a video from a prompt, optionally for one of the caller's dreams."""
        data = _validated(GenerateVideoInputSerializer, request)
        owner = self.owner(request, create=True)
        dream = None
        if "dream_id" in data:
            dream = dream_get(owner=owner, dream_id=data.pop("dream_id"))
            if dream is None:
                raise Http404("No such dream.")
        job = services.video_job_submit_generation(
            owner=owner,
            dream=dream,
            prompt=data["prompt"],
            duration=data["duration"],
            ratio=data["ratio"],
            seed=data.get("seed"),
        )
        body = {"job": VideoJobSerializer(job, context={"request": request}).data}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class StoreVideoView(OwnerMixin, APIView):
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={
            "application/json": StoreVideoInputSerializer,
            "multipart/form-data": StoreVideoInputSerializer,
        },
        responses={202: DreamWithJobSerializer},
    )
    def post(self, request: Request) -> Response:
        """Store a video made elsewhere (a URL, or an uploaded file) permanently for a dream."""
        data = _validated(StoreVideoInputSerializer, request)
        owner = self.owner(request)
        dream = dream_get(owner=owner, dream_id=data["dream_id"])
        if dream is None:
            raise Http404("No such dream.")
        job = services.video_ingest_submit(
            owner=owner,
            dream=dream,
            source_url=data.get("video_url", ""),
            upload=data.get("file"),
            thumbnail_url=data.get("thumbnail_url", ""),
            video_prompt=data.get("video_prompt", ""),
            video_duration=data.get("video_duration"),
        )
        dream.refresh_from_db()
        body = DreamWithJobSerializer(
            {"dream": dream, "video_job": job}, context={"request": request}
        ).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


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
        job = services.video_job_cancel(job=job)
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
            },
        ),
    )
    def get(self, request: Request) -> Response:
        """Job counts, success rate, failures by error code and p50/p95 times (staff only)."""
        query = _VideoStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(stats.video_job_stats(days=query.validated_data["days"]))
