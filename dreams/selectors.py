"""Reads of dreams. Views, serializers and services call these; they never build querysets.

One family of getters: ``dream_get`` with a ``scope`` (whose dreams the caller may
reach) and, where the page or endpoint wants it, ``waiting`` (also look in the
emergency journal, which keeps answering while the database does not).
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError  # a malformed id: no such object
from django.db import DatabaseError
from django.db.models import QuerySet, Value

from common.owners import Owner
from common.pagination import FirstRows, PageRows
from common.prepared import NO_ARGUMENT, PreparedRows
from dreams.models import AbstractDream, DemoDream, Dream, ModerationStatus, VideoStatus
from dreams.ownership import dream_model_for, dreams_of
from dreams.search import JournalFilters, journal_filter
from dreams.storage import journal
from dreams.storage.records import waiting_dreams
from notifications.selectors import notification_unread_column
from videos.models import VideoJob

#: The journal's order: when dreamt, then when written; ``id`` makes it total.
JOURNAL_ORDER = ("-dreamt_on", "-created_at", "-id")
#: The gallery's order, the API's cursor pagination's (``NewestFirstCursorPagination``).
GALLERY_ORDER = ("-created_at", "-id")
NO_FILTERS = JournalFilters()
#: The columns a dream's representation is built from (``dreams.api.representation``).
#: Rows also carry ``storage`` (the table's tier) and whose the dream is: ``owner_id``
#: (``dreams``) or ``session_key`` (``demo_dreams``).
DREAM_ROW_FIELDS = (
    "id",
    "title",
    "content",
    "dreamt_on",
    "lucid",
    "nightmare",
    "recurring",
    "clarity",
    "sleep_quality",
    "tags",
    "analysis",
    "analysis_status",
    "video_asset_id",
    "video_url",
    "thumbnail_url",
    "video_prompt",
    "video_duration",
    "video_status",
    "is_public",
    "moderation_status",
    "moderation_reason",
    "created_at",
    "updated_at",
)
#: The stored video's Content Credentials (``videos.credentials``): the one column a row
#: takes from another table, by a LEFT JOIN on its primary key (still one statement a page).
VIDEO_CREDENTIALS = "video_asset__credentials"
#: Whether the stored video's preview loop is made (``videos.renditions``): the same join.
VIDEO_PREVIEW_READY = "video_asset__preview_ready"


class Scope(StrEnum):
    """Which dreams a lookup may find."""

    OWN = "own"  # the owner's own dreams
    VISIBLE = "visible"  # the owner's own, or any in the public gallery
    ANY = "any"  # every dream, private and demo ones included: moderators only


def dream_list(*, owner: Owner, filters: JournalFilters = NO_FILTERS) -> QuerySet[AbstractDream]:
    """The owner's dreams, newest dreamt first (then newest written), narrowed by ``filters``
    (a search orders by best match first), with what the representation needs joined in.

    Its ``order_by`` is a list of descending keys, the last one unique: what
    ``common.pagination.KeysetPagination`` pages by.
    """
    model = dream_model_for(owner)
    qs = (
        model.objects.filter(**dreams_of(owner))
        .select_related("video_asset")
        .defer("search_vector")
        .order_by(*JOURNAL_ORDER)
    )
    return journal_filter(qs, filters)


def dream_gallery_list() -> QuerySet[Dream]:
    """Dreams anyone may see: public, approved by a moderator, with a ready video, and not
    hidden by visitors' reports (``dreams.reports``)."""
    return (
        Dream.objects.filter(
            is_public=True,
            moderation_status=ModerationStatus.APPROVED,
            video_status=VideoStatus.READY,
            video_asset__isnull=False,
            hidden_by_reports=False,  # reports hid it until a moderator decides
        )
        .select_related("video_asset", "owner")
        .defer("search_vector")
        .order_by(*GALLERY_ORDER)
    )


def dream_rows(queryset: QuerySet[AbstractDream]) -> QuerySet[dict]:
    """``queryset`` as plain rows of what the representation needs: no model instances,
    only these columns (and any ordering annotation, e.g. a search's rank); the one join is
    the video asset's credentials (``VIDEO_CREDENTIALS``)."""
    model = queryset.model
    whose = "session_key" if issubclass(model, DemoDream) else "owner_id"
    rows = queryset.annotate(storage=Value(str(model.storage_tier)))
    return rows.values(
        *DREAM_ROW_FIELDS, VIDEO_CREDENTIALS, VIDEO_PREVIEW_READY, whose, *rows.query.annotations
    )


def dream_list_rows(*, owner: Owner, filters: JournalFilters = NO_FILTERS) -> QuerySet[dict]:
    """``dream_list`` as rows (``dream_rows``): the same dreams, order and statement."""
    rows = _rows_of(dream_model_for(owner)).filter(**dreams_of(owner)).order_by(*JOURNAL_ORDER)
    return journal_filter(rows, filters)


def dream_journal_first_rows(
    *, owner: Owner, limit: int, with_unread_notifications: bool = False
) -> list[dict[str, Any]]:
    """``dream_list_rows(owner=owner)[:limit]``, unfiltered: the journal's first page, the
    read nearly every visit starts with, run as a statement compiled once (``PreparedRows``).

    ``with_unread_notifications``: an account's rows also carry its unread notifications
    count (``UNREAD_NOTIFICATIONS``, the same in every row), so the journal page's header
    costs no query of its own; a demo visitor has no notifications.
    """
    if owner.is_demo:
        return _journal_first_rows(DemoDream, limit, False).dicts(owner.session_key)
    return _journal_first_rows(Dream, limit, with_unread_notifications).dicts(owner.user_id)


def dream_journal_first_page(
    *, owner: Owner, filters: JournalFilters, with_unread_notifications: bool = False
) -> FirstRows | None:
    """For ``KeysetPagination(first_rows=…)``: the unfiltered journal's first page comes
    from ``dream_journal_first_rows``; a filtered one (``None``) from its queryset."""
    if filters.active:
        return None
    return FirstRows(
        read=lambda limit: dream_journal_first_rows(
            owner=owner, limit=limit, with_unread_notifications=with_unread_notifications
        ),
        ordering=JOURNAL_ORDER,
    )


#: The column ``dream_journal_first_rows(with_unread_notifications=True)`` adds.
UNREAD_NOTIFICATIONS = "unread_notifications"


@functools.cache
def _journal_first_rows(model: type[AbstractDream], limit: int, unread: bool) -> PreparedRows:
    whose = "session_key" if issubclass(model, DemoDream) else "owner_id"

    def rows(who: Any) -> QuerySet[dict]:
        found = _rows_of(model).filter(**{whose: who}).order_by(*JOURNAL_ORDER)
        if unread:
            found = found.annotate(
                **{UNREAD_NOTIFICATIONS: notification_unread_column(recipient_id=who)}
            )
        return found[:limit]

    return PreparedRows(
        ("dreams.journal_first_rows", model._meta.label, limit, unread),
        rows,
        sentinel="prepared-sentinel-session" if whose == "session_key" else -987_654_321,
    )


@functools.cache
def _rows_of(model: type[AbstractDream]) -> QuerySet[dict]:
    # Naming two dozen columns costs more than a page's whole query: once per process and
    # table, cloned per call (the cached queryset is never run or changed).
    return dream_rows(model.objects.all())


def dream_row(dream: AbstractDream) -> dict[str, Any]:
    """A dream instance (an unsaved one too: a record waiting in the emergency journal) as
    the row ``dream_rows`` gives, so one page can mix the two."""
    row = {name: getattr(dream, name) for name in DREAM_ROW_FIELDS}
    row[VIDEO_CREDENTIALS] = dream.video_asset.credentials if dream.video_asset_id else None
    row[VIDEO_PREVIEW_READY] = dream.video_asset.preview_ready if dream.video_asset_id else None
    row["storage"] = dream.storage_tier
    if isinstance(dream, DemoDream):
        row["session_key"] = dream.session_key
    else:
        row["owner_id"] = dream.owner_id
    return row


def dream_gallery_rows() -> QuerySet[dict]:
    """``dream_gallery_list`` as rows (``dream_rows``), in the same order: what the API's
    gallery and the gallery pages show."""
    return _gallery_rows().all()  # a clone: the cached queryset is never run or changed


def dream_gallery_pages(*, filters_active: bool) -> PageRows | None:
    """For ``NewestFirstCursorPagination(page_rows=…)``: the unfiltered gallery's pages,
    page 1 and every later one, each read by a statement compiled once per connection
    (``PreparedRows``) with the cursor's position as its parameter."""
    if filters_active:
        return None
    return PageRows(read=_gallery_page_rows, ordering=GALLERY_ORDER)


def _reversed(term: str) -> str:
    return term[1:] if term.startswith("-") else f"-{term}"


#: The two orders a cursor reads the gallery in (forwards, and backwards for "previous").
_GALLERY_ORDERS = (GALLERY_ORDER, tuple(_reversed(term) for term in GALLERY_ORDER))
#: Where a cursor's position narrows the gallery: the first ordering term's column.
_GALLERY_POSITION = GALLERY_ORDER[0].lstrip("-")
_GALLERY_LOOKUPS = (f"{_GALLERY_POSITION}__lt", f"{_GALLERY_POSITION}__gt")
#: Pages longer than a client may ask for (``max_page_size``, plus the row that tells
#: whether a next page exists) are read the ordinary way: a bounded set of statements.
_MAX_PREPARED_ROWS = 101


def _gallery_page_rows(
    ordering: tuple[str, ...], after: tuple[str, Any] | None, limit: int
) -> list[dict[str, Any]] | None:
    lookup, position = after if after is not None else (None, None)
    if (
        tuple(ordering) not in _GALLERY_ORDERS
        or lookup not in (None, *_GALLERY_LOOKUPS)
        or not 0 < limit <= _MAX_PREPARED_ROWS
    ):
        return None
    return _gallery_statement(tuple(ordering), lookup, limit).dicts(position)


@functools.cache
def _gallery_statement(ordering: tuple[str, ...], lookup: str | None, limit: int) -> PreparedRows:
    if lookup is None:
        return PreparedRows(
            ("dreams.gallery_page", ordering, limit),
            lambda _: _gallery_rows().order_by(*ordering)[:limit],
            sentinel=NO_ARGUMENT,
        )
    column = Dream._meta.get_field(_GALLERY_POSITION)
    return PreparedRows(
        ("dreams.gallery_page", ordering, lookup, limit),
        lambda position: _gallery_rows().order_by(*ordering).filter(**{lookup: position})[:limit],
        # A moment no dream was made at, sent as the lookup sends a position: adapted.
        sentinel=datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=UTC),
        adapt=lambda position, connection: column.get_db_prep_value(
            position, connection, prepared=False
        ),
    )


@functools.cache
def _gallery_rows() -> QuerySet[dict]:
    # Building this queryset costs more than running it (~0.3 ms of field lookups), and
    # it is the same for everyone: built once per process, cloned per call.
    return dream_rows(dream_gallery_list())


def dream_moderation_queue() -> QuerySet[Dream]:
    """Public dreams waiting for a moderator, oldest first (served by a partial index)."""
    return (
        Dream.objects.filter(is_public=True, moderation_status=ModerationStatus.PENDING)
        .select_related("owner", "video_asset")
        .order_by("created_at", "id")
    )


def _first(queryset: QuerySet, dream_id) -> AbstractDream | None:
    try:
        return (
            queryset.select_related("video_asset")
            .defer("search_vector")
            .filter(pk=dream_id)
            .first()
        )
    except (ValueError, ValidationError):
        return None


def _stored_get(*, dream_id, owner: Owner | None, scope: Scope) -> AbstractDream | None:
    if scope == Scope.ANY:
        return _first(Dream.objects.all(), dream_id) or _first(DemoDream.objects.all(), dream_id)
    dream = None
    if owner is not None:
        dream = _first(dream_model_for(owner).objects.filter(**dreams_of(owner)), dream_id)
    if dream is None and scope == Scope.VISIBLE:
        dream = _first(dream_gallery_list(), dream_id)
    return dream


def dream_get(
    *,
    dream_id: uuid.UUID | str,
    owner: Owner | None = None,
    scope: Scope = Scope.OWN,
    waiting: bool = False,
) -> AbstractDream | None:
    """The dream ``dream_id`` if ``scope`` lets ``owner`` reach it, else ``None``.

    Someone else's private dream does not exist for the caller. With ``waiting``, the
    owner's records still in the emergency journal are found too (as unsaved dreams
    whose ``storage_tier`` is ``EMERGENCY``); while the database is unreachable only
    the journal is looked in, and a dream that is not there re-raises the
    ``DatabaseError`` (the caller answers 503).
    """
    try:
        dream = _stored_get(dream_id=dream_id, owner=owner, scope=scope)
    except DatabaseError:
        if waiting and (found := _waiting_get(owner=owner, dream_id=dream_id)):
            return found
        raise
    if dream is None and waiting and journal.emergency_waiting():
        dream = _waiting_get(owner=owner, dream_id=dream_id)
    return dream


def _waiting_get(*, owner: Owner | None, dream_id) -> AbstractDream | None:
    if owner is None:
        return None
    return next((d for d in waiting_dreams(owner=owner) if str(d.pk) == str(dream_id)), None)


def dreams_waiting(*, owner: Owner) -> list[AbstractDream]:
    """The owner's dreams still in the emergency journal, newest first (no database needed)."""
    return waiting_dreams(owner=owner)


def dreams_waiting_first(*, owner: Owner, first_page: bool) -> list[AbstractDream]:
    """The owner's dreams waiting in the emergency journal, which lead page 1 of their list."""
    return waiting_dreams(owner=owner) if first_page and journal.emergency_waiting() else []


def dream_latest_job(dream: AbstractDream) -> VideoJob | None:
    return dream.video_jobs.order_by("-created_at", "-id").first()
