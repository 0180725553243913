"""Journal export and import endpoints (accounts only): thin views over ``dreams.archive``.

``POST /api/account/export`` streams a small journal's ZIP at once (200) or has the task
worker pack a large one (202 ``{export}``); ``GET /api/account/exports/{id}`` says how it
goes, with a ``download_url`` once ready; ``GET …/download`` serves it to its owner
until it expires. ``POST /api/account/import`` takes such a ZIP (multipart ``file``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import OwnerMixin, absolute_url, validated
from common.throttling import ClientRateThrottle
from common.uploads import PayloadTooLarge
from dreams.archive.export import (
    JournalArchive,
    archive_filename,
    journal_export_downloadable,
    journal_export_get,
    journal_export_request,
    journal_size,
)
from dreams.archive.imports import ArchiveRefused, journal_import
from dreams.models import ExportStatus, JournalExport
from videos.serving import serve_file

ACCOUNTS_ONLY = (
    "Exporting and importing a journal is for accounts. Sign up (your demo dreams come "
    "with you) to keep your journal as a file."
)
EXPIRED = "This export has expired. Export your journal again for a new one."


def archive_response(archive: JournalArchive) -> StreamingHttpResponse:
    """A ZIP made while it is sent (nothing of it is held), as a download."""
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, archive.filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def import_too_large() -> PayloadTooLarge:
    limit = settings.IMPORT_MAX_BYTES / (1024 * 1024)
    return PayloadTooLarge(f"An archive to import may be at most {limit:g} MB.")


class ImportSizeLimit(FileUploadHandler):
    """Stops an upload without a declared length as it passes ``IMPORT_MAX_BYTES`` (413)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            raise import_too_large()
        return raw_data  # the next handler stores it

    def file_complete(self, file_size: int) -> None:
        return None


class JournalExportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.SerializerMethodField(
        help_text="`queued`, `running` (being packed), `ready` (download it), `expired` "
        "(export again) or `failed` (see `error`)."
    )
    dream_count = serializers.IntegerField(allow_null=True)
    bytes = serializers.IntegerField(allow_null=True, help_text="The ZIP's size once ready.")
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField()

    def get_status(self, export: JournalExport) -> str:
        if export.status == ExportStatus.READY and not journal_export_downloadable(export):
            return "expired"
        return export.status

    def get_download_url(self, export: JournalExport) -> str | None:
        if not journal_export_downloadable(export):
            return None
        path = reverse("account-export-download", kwargs={"export_id": export.pk})
        return absolute_url(self.context.get("request"), path)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class JournalExportEnvelopeSerializer(serializers.Serializer):
    export = JournalExportSerializer()


class JournalImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, help_text="A DreamJourney export ZIP.")


class JournalImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Dreams added to the journal.")
    skipped = serializers.IntegerField(help_text="Dreams the journal already had.")
    videos = serializers.IntegerField(help_text="Distinct videos the added dreams show.")


class AccountArchiveMixin(OwnerMixin):
    """Accounts only: a demo visitor is told so (403) before any body is read."""

    def check_before_body(self, request: Request) -> None:
        if not request.user.is_authenticated:
            raise exceptions.PermissionDenied(ACCOUNTS_ONLY)

    def _export(self, request: Request, export_id: str) -> JournalExport:
        export = journal_export_get(user=request.user, export_id=export_id)
        if export is None:
            raise Http404("No such export.")
        return export


class JournalExportView(AccountArchiveMixin, APIView):
    throttle_classes = [ClientRateThrottle]
    throttle_scope = "journal_export"

    @extend_schema(
        request=None,
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The journal's ZIP, streamed (a small journal)."
            ),
            202: JournalExportEnvelopeSerializer,
        },
    )
    def post(self, request: Request):
        """Export the whole journal as a ZIP: every dream as JSON and Markdown, its video and
        thumbnail. A large journal (``EXPORT_INLINE_MAX_BYTES`` of video or
        ``EXPORT_INLINE_MAX_DREAMS`` dreams) is packed in the background: 202 with the
        export to poll; one already being packed is returned instead of a second."""
        if journal_size(user=request.user).streams_inline:
            return archive_response(JournalArchive(request.user))
        export = journal_export_request(user=request.user)
        body = {"export": JournalExportSerializer(export, context={"request": request}).data}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class JournalExportDetailView(AccountArchiveMixin, APIView):
    @extend_schema(responses=JournalExportSerializer)
    def get(self, request: Request, export_id: str) -> Response:
        """A background export: its state, and once ready its ``download_url`` until
        ``expires_at``."""
        export = self._export(request, export_id)
        return Response(JournalExportSerializer(export, context={"request": request}).data)


class JournalExportDownloadView(AccountArchiveMixin, APIView):
    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
            410: OpenApiResponse(DetailSerializer, description="The export has expired."),
        }
    )
    def get(self, request: Request, export_id: str):
        """The export's ZIP, for its owner only, until it expires (ranges supported)."""
        export = self._export(request, export_id)
        if export.status != ExportStatus.READY:
            raise Http404("This export is not ready yet.")
        if not journal_export_downloadable(export):
            return Response({"detail": EXPIRED}, status=status.HTTP_410_GONE)
        when = export.finished_at or export.created_at
        response = serve_file(
            request, export.file, content_type="application/zip", etag=str(export.pk), modified=when
        )
        filename = archive_filename(request.user, when)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["Cache-Control"] = "private, no-store"
        return response


class JournalImportView(AccountArchiveMixin, APIView):
    parser_classes = [MultiPartParser]
    throttle_classes = [ClientRateThrottle]
    throttle_scope = "journal_import"
    accepts_uploads = True  # its body is a whole archive (common.uploads; IMPORT_MAX_BYTES)

    def check_before_body(self, request: Request) -> None:
        """Accounts only, and an archive over ``IMPORT_MAX_BYTES`` is refused unread (413)."""
        super().check_before_body(request)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.IMPORT_MAX_BYTES:
            raise import_too_large()
        request._request.upload_handlers.insert(0, ImportSizeLimit())

    @extend_schema(
        request={"multipart/form-data": JournalImportInputSerializer},
        responses=JournalImportResultSerializer,
    )
    def post(self, request: Request) -> Response:
        """Import a journal exported from DreamJourney. All or nothing: any problem is a 400
        on ``file`` and writes nothing. Dreams the journal has already are skipped, so
        importing the same archive again adds nothing; public dreams wait for moderation."""
        data = validated(JournalImportInputSerializer, request)
        try:
            result = journal_import(user=request.user, archive=data["file"])
        except ArchiveRefused as refused:
            raise exceptions.ValidationError({"file": [refused.message]}) from refused
        return Response(JournalImportResultSerializer(result).data)
