"""Dream endpoints: thin views over dream services and selectors."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.db import DatabaseError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.api import CURSOR_PARAMETERS, OwnerMixin, validated
from common.authentication import forget_failures, raise_if_locked_out
from common.clients import TooManyRequests
from common.http_cache import PRIVATE, apply_policy, conditional
from common.pagination import KeysetPagination, NewestFirstCursorPagination
from common.parsers import SafeJSONParser
from common.throttling import WRITE_THROTTLES
from dreams import selectors, services
from dreams.accounts import account_register
from dreams.api.gallery import GalleryFilterSerializer, api_gallery_filters
from dreams.api.representation import dream_representation, dream_representations
from dreams.api.serializers import (
    DreamInputSerializer,
    DreamPageSerializer,
    DreamSerializer,
    DreamUpdateSerializer,
    DreamWithJobSerializer,
    DreamWithVideoInputSerializer,
    GenerateVideoInputSerializer,
    JournalFilterSerializer,
    RegisterResponseSerializer,
    RegisterSerializer,
    StoreVideoInputSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    journal_filters,
)
from dreams.caching import dream_etag, dream_policy, gallery_response, journal_etag
from dreams.gallery import GALLERY_SEARCH_MESSAGE, gallery_filter, gallery_search_wait
from dreams.models import DemoDream, StorageTier
from dreams.selectors import Scope
from dreams.storage.writer import StoredDream, dream_store
from videos.api.serializers import JobEnvelopeSerializer, VideoJobSerializer
from videos.jobs.submission import video_job_submit_generation


class DreamViewSet(OwnerMixin, viewsets.ViewSet):
    # Any segment: a malformed id is the API's own JSON 404, not the URL resolver's page.
    lookup_value_regex = "[^/]+"
    serializer_class = DreamSerializer
    # Writes that cost storage, fetches or videos have budgets (``common.throttling``).
    _THROTTLE_SCOPES = {
        "create": "dream_write",
        "update": "dream_write",
        "partial_update": "dream_write",
        "with_video": "video_generation",
    }

    def get_throttles(self):
        self.throttle_scope = self._THROTTLE_SCOPES.get(self.action)
        return [throttle() for throttle in WRITE_THROTTLES] if self.throttle_scope else []

    def _get(self, request: Request, pk: str):
        dream = selectors.dream_get(owner=self.owner(request), dream_id=pk)
        if dream is None:
            raise Http404
        return dream

    def _paginate(
        self, request: Request, queryset, *, waiting=(), paginator=None, page_rows=None
    ) -> Response:
        paginator = paginator or NewestFirstCursorPagination()
        page = paginator.paginate_queryset(queryset, request, view=self, page_rows=page_rows)
        return self._page_response(request, page, waiting=waiting, paginator=paginator)

    @staticmethod
    def _page_response(request: Request, page: list, *, waiting, paginator) -> Response:
        page = [*waiting, *page]  # dreams waiting in the emergency journal lead page 1
        data = dream_representations(page, request=request)
        return paginator.get_paginated_response(data)

    def _stored_response(self, request: Request, stored: StoredDream, body: dict):
        code = status.HTTP_202_ACCEPTED if stored.tier == StorageTier.EMERGENCY else 201
        return Response(body, status=code)

    @extend_schema(
        parameters=[JournalFilterSerializer, *CURSOR_PARAMETERS], responses=DreamPageSerializer
    )
    def list(self, request: Request) -> Response:
        """The caller's dreams, newest dreamt first, searched and filtered (combinable)."""
        filters = journal_filters(request.query_params)
        owner = self.owner(request)
        if owner is None:
            return apply_policy(self._paginate(request, DemoDream.objects.none()), PRIVATE)
        params = request.query_params
        first_page = not params.get(KeysetPagination.cursor_query_param)
        # Dreams waiting in the emergency journal lead the unfiltered first page.
        waiting = (
            selectors.dreams_waiting_first(owner=owner, first_page=first_page)
            if not filters.active
            else []
        )
        paginator = KeysetPagination()
        try:
            # One query: the page's rows name the validator and make the body.
            first_rows = selectors.dream_journal_first_page(owner=owner, filters=filters)
            rows = paginator.paginate_queryset(
                lambda: selectors.dream_list_rows(owner=owner, filters=filters),
                request,
                view=self,
                first_rows=first_rows,
            )
            return conditional(
                request,
                etag=journal_etag(request, owner=owner, rows=rows, page=paginator, waiting=waiting),
                policy=PRIVATE,
                build=lambda: self._page_response(
                    request, rows, waiting=waiting, paginator=paginator
                ),
            )
        except DatabaseError:
            # The database is unreachable: show what the emergency journal holds.
            data = dream_representations(selectors.dreams_waiting(owner=owner), request=request)
            return apply_policy(
                Response({"next": None, "previous": None, "results": data}), PRIVATE
            )

    @extend_schema(request=DreamInputSerializer, responses={201: DreamSerializer})
    def create(self, request: Request) -> Response:
        """Create a dream; a ``video_url`` is copied into our storage in the background."""
        data = validated(DreamInputSerializer, request)
        stored = dream_store(owner=self.owner(request, create=True), **data)
        body = DreamSerializer(stored.dream, context={"request": request}).data
        return self._stored_response(request, stored, body)

    @extend_schema(responses=DreamSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        """One of the caller's dreams, or any dream in the public gallery."""
        dream = selectors.dream_get(
            owner=self.owner(request), dream_id=pk, scope=Scope.VISIBLE, waiting=True
        )
        if dream is None:
            raise Http404
        return conditional(
            request,
            etag=dream_etag(request, dream),
            policy=dream_policy(request, dream),
            build=lambda: Response(dream_representation(dream, request=request)),
        )

    def _update(self, request: Request, pk: str, *, partial: bool) -> Response:
        dream = self._get(request, pk)
        data = validated(DreamUpdateSerializer, request, partial=partial, dream=dream)
        dream = services.dream_update(owner=self.owner(request), dream=dream, data=data)
        return Response(DreamSerializer(dream, context={"request": request}).data)

    @extend_schema(request=DreamUpdateSerializer, responses=DreamSerializer)
    def update(self, request: Request, pk: str) -> Response:
        """Replace the dream's fields (title and content required); video fields included."""
        return self._update(request, pk, partial=False)

    @extend_schema(request=DreamUpdateSerializer, responses=DreamSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change only the fields sent."""
        return self._update(request, pk, partial=True)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.dream_delete(dream=self._get(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=DreamWithVideoInputSerializer, responses={201: DreamWithJobSerializer})
    @action(detail=False, methods=["post"], url_path="with-video")
    def with_video(self, request: Request) -> Response:
        """Create a dream and start generating its video at once."""
        data = validated(DreamWithVideoInputSerializer, request)
        stored = dream_store(owner=self.owner(request, create=True), **data)
        body = DreamWithJobSerializer(
            {"dream": stored.dream, "video_job": stored.job}, context={"request": request}
        ).data
        return self._stored_response(request, stored, body)

    @extend_schema(
        parameters=[GalleryFilterSerializer, *CURSOR_PARAMETERS], responses=DreamPageSerializer
    )
    @action(detail=False, methods=["get"], url_path="public/gallery")
    def gallery(self, request: Request) -> Response:
        """Public, approved dreams with a ready video, newest first; ``mood`` and
        ``symbol`` narrow it (an unknown mood is a 400 naming the moods allowed)."""
        filters = api_gallery_filters(request.query_params)
        if wait := gallery_search_wait(request, filters):
            raise TooManyRequests(GALLERY_SEARCH_MESSAGE, wait_seconds=wait)
        return gallery_response(
            request,
            view=self,
            build=lambda: self._paginate(
                request,
                gallery_filter(selectors.dream_gallery_rows(), filters),
                page_rows=selectors.dream_gallery_pages(filters_active=filters.active),
            ),
        )


class RegisterView(OwnerMixin, APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    authentication_classes: list = []  # credentials come in the body; CSRF via OwnerMixin

    @extend_schema(request=RegisterSerializer, responses={201: RegisterResponseSerializer})
    def post(self, request: Request) -> Response:
        """A new account and its token; at most ``SIGNUP_RATE`` per client address (429)."""
        data = validated(RegisterSerializer, request)
        user, token = account_register(request=request, **data)
        body = {
            "user": {"id": user.pk, "username": user.username, "email": user.email},
            "token": token.key,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class TokenView(OwnerMixin, APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    authentication_classes: list = []  # credentials come in the body; CSRF via OwnerMixin

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"  # so wrong credentials are a 401, not a 403

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer)
    def post(self, request: Request) -> Response:
        """The account's token. Too many failures from one address, or on one username,
        lock sign-in for a while: 429 with ``Retry-After``, even for the right password."""
        data = validated(TokenRequestSerializer, request)
        user = authenticate(request, username=data["username"], password=data["password"])
        if user is None:
            raise_if_locked_out(request)
        if user is None or not user.is_active:
            raise AuthenticationFailed("Unable to log in with those credentials.")
        forget_failures(request, user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class GenerateVideoView(OwnerMixin, APIView):
    throttle_classes = WRITE_THROTTLES
    throttle_scope = "video_generation"

    @extend_schema(request=GenerateVideoInputSerializer, responses={202: JobEnvelopeSerializer})
    def post(self, request: Request) -> Response:
        """Start generating a video from a prompt, optionally for one of the caller's dreams.

        ``model``, ``ratio``, ``duration``, ``audio`` and ``style`` are checked together
        for the model (``GET /api/ai/models`` lists what each accepts): a 400 names the
        field and the values allowed."""
        data = validated(GenerateVideoInputSerializer, request)
        owner = self.owner(request, create=True)
        options = {
            name: data.get(name)
            for name in ("prompt", "duration", "ratio", "seed", "model", "audio", "style")
        }
        if "dream_id" in data:
            dream = selectors.dream_get(owner=owner, dream_id=data["dream_id"])
            if dream is None:
                raise Http404("No such dream.")
            job = services.dream_video_generate(owner=owner, dream=dream, **options)
        else:
            job = video_job_submit_generation(owner=owner, **options)
        body = {"job": VideoJobSerializer(job, context={"request": request}).data}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class StoreVideoView(OwnerMixin, APIView):
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]
    throttle_classes = WRITE_THROTTLES
    throttle_scope = "video_store"
    accepts_uploads = True  # its body may be a whole video (common.uploads)

    def check_before_body(self, request: Request) -> None:
        """No upload is read for a caller without dreams, or for a dream in the query
        string (``?dream_id=``, what our client sends) that is not theirs."""
        owner = self.owner(request)
        dream_id = request.query_params.get("dream_id")
        if dream_id:
            found = selectors.dream_get(owner=owner, dream_id=dream_id) is not None
        else:
            found = owner is not None and selectors.dream_list(owner=owner).exists()
        if not found:
            raise Http404("No such dream.")

    @extend_schema(
        request={
            "application/json": StoreVideoInputSerializer,
            "multipart/form-data": StoreVideoInputSerializer,
        },
        parameters=[
            OpenApiParameter(
                "dream_id",
                OpenApiTypes.UUID,
                description="The body's dream_id again, so an upload for a wrong dream is "
                "refused before it is read",
            )
        ],
        responses={202: DreamWithJobSerializer},
    )
    def post(self, request: Request) -> Response:
        """Store a video made elsewhere (a URL, or an uploaded file) permanently for a dream.

        ``dream_id`` goes in the body; an upload should also send it in the query string,
        so a wrong dream is refused before the file is read.
        """
        data = validated(StoreVideoInputSerializer, request)
        query_id = request.query_params.get("dream_id")
        if query_id and query_id != str(data["dream_id"]):
            raise ValidationError({"dream_id": ["Differs from the dream_id in the query."]})
        owner = self.owner(request)
        dream = selectors.dream_get(owner=owner, dream_id=data["dream_id"])
        if dream is None:
            raise Http404("No such dream.")
        job = services.dream_video_store(
            owner=owner,
            dream=dream,
            source_url=data.get("video_url", ""),
            upload=data.get("file"),
            thumbnail_url=data.get("thumbnail_url", ""),
            video_prompt=data.get("video_prompt", ""),
            video_duration=data.get("video_duration"),
        )
        body = DreamWithJobSerializer(
            {"dream": dream, "video_job": job}, context={"request": request}
        ).data
        return Response(body, status=status.HTTP_202_ACCEPTED)
