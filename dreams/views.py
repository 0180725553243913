"""Server-rendered pages. They read through selectors and talk to the API from the browser.

Every page renders its first screen from selectors (fast, works without JavaScript);
writes and job polling happen in the browser through ``static/js/dreamVideoService.js``,
so the pages and single-page apps share one API. Pages set the CSRF cookie the
JavaScript client sends back.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth import get_permission_codename, login
from django.contrib.auth import views as auth_views
from django.db import DatabaseError, IntegrityError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe
from django.views.generic import FormView
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from common.authentication import MODEL_BACKEND, request_owner
from common.clients import TooManyRequests, too_many_response
from common.owners import Owner, demo_key
from common.pagination import KeysetPagination, NewestFirstCursorPagination
from dreams import journal_selectors, selectors
from dreams.accounts import account_register
from dreams.api.serializers import EARLIEST_DREAMT_ON
from dreams.caching import gallery_cached, gallery_figures_cached, gallery_page_cacheable
from dreams.cards import gallery_cards, gallery_cards_rendered, journal_cards_rendered
from dreams.forms import SignupForm
from dreams.gallery import (
    GALLERY_SEARCH_MESSAGE,
    GalleryFilterError,
    GalleryFilters,
    gallery_filter,
    gallery_filters,
    gallery_mood_counts,
    gallery_search_wait,
)
from dreams.models import (
    DREAMT_ON_MAX_DAYS_AHEAD,
    RATING_MAX,
    RATING_MIN,
    AbstractDream,
    DemoDream,
    ModerationStatus,
    ReportReason,
    StorageTier,
    VideoStatus,
)
from dreams.ownership import owns_dream
from dreams.page_filters import DATE_NAMES, page_filters, search_syntax_available
from dreams.selectors import Scope
from dreams.services import demo_dreams_claim, dream_thumbnail_path, dream_video_path
from dreams.sharing import dream_share_context, gallery_filter_context
from dreams.video_credentials import credentials_panel
from videos.api.serializers import VideoJobSerializer
from videos.models import ACTIVE_JOB_STATUSES, JobStatus
from videos.prompts import build_video_prompt
from videos.serving import asset_response

HOME_GALLERY_SIZE = 6
PAGE_SIZE = 12


# --- Helpers ------------------------------------------------------------------------------


def _first_page(
    request: HttpRequest, queryset: QuerySet, paginator=None, **options: Any
) -> tuple[list, str]:
    """One page of ``queryset`` and the cursor of the next page ("" if none).

    The cursor is the API's own (the same paginator, given ``options``), so "Load more"
    in the browser continues with the API from where the server-rendered page stopped.
    """
    paginator = paginator or NewestFirstCursorPagination()
    paginator.page_size = PAGE_SIZE
    drf_request = Request(request)
    try:
        page = list(paginator.paginate_queryset(queryset, drf_request, **options))
    except NotFound:  # a stale or forged cursor: start from the newest
        drf_request = Request(_without_cursor(request))
        page = list(paginator.paginate_queryset(queryset, drf_request, **options))
    next_link = paginator.get_next_link()
    cursor = parse_qs(urlsplit(next_link).query).get("cursor", [""])[0] if next_link else ""
    return page, cursor


def _without_cursor(request: HttpRequest) -> HttpRequest:
    request.GET = request.GET.copy()
    request.GET.pop("cursor", None)
    return request


def _demo_count(request: HttpRequest) -> int:
    """How many dreams the anonymous visitor wrote in demo mode (0 when signed in)."""
    if request.user.is_authenticated:
        return 0
    key = demo_key(request)
    return selectors.dream_list(owner=Owner(session_key=key)).count() if key else 0


def _share_state(dream: AbstractDream) -> dict[str, str]:
    """What the owner is told about who can see the dream."""
    if isinstance(dream, DemoDream):
        return {"key": "demo", "label": "Only you, in this browser"}
    if not dream.is_public:
        return {"key": "private", "label": "Private — only you can see it"}
    if dream.moderation_status == ModerationStatus.REJECTED:
        return {"key": "rejected", "label": "Public, but not accepted into the gallery"}
    if dream.moderation_status == ModerationStatus.PENDING:
        return {"key": "pending", "label": "Public — waiting for a moderator"}
    if dream.video_status != VideoStatus.READY:
        return {"key": "approved", "label": "Approved — in the gallery once its video is ready"}
    if getattr(dream, "hidden_by_reports", False):  # dreams.reports: until a moderator decides
        return {"key": "pending", "label": "Public — hidden while a moderator reviews reports"}
    return {"key": "approved", "label": "Public — in the gallery"}


# --- Pages --------------------------------------------------------------------------------


@require_safe
@ensure_csrf_cookie
def home(request: HttpRequest) -> HttpResponse:
    """Landing: what DreamJourney is, and the newest videos of the public gallery."""
    try:
        dreams = gallery_cached(
            ("home", HOME_GALLERY_SIZE, "cards"),
            lambda: gallery_cards(
                selectors.dream_gallery_pages(filters_active=False).first(HOME_GALLERY_SIZE)
            ),
        )
    except DatabaseError:  # the landing page stays up while the database is unreachable
        dreams = []
    return render(request, "dreams/home.html", {"gallery": gallery_cards_rendered(dreams, level=3)})


@require_safe
@ensure_csrf_cookie
def journal(request: HttpRequest) -> HttpResponse:
    """The caller's dreams (an account's, or a demo visitor's session), newest dreamt first,
    searched and filtered like the API's list; the query string is the bookmark."""
    owner = Owner.from_request(request)
    page = page_filters(request)
    filters, given = page.filters, page.given
    dreams: list = []
    cursor = ""
    offline = False
    counted: dict[str, Any] = {}  # the header's unread count, when the rows carry it
    if owner is not None:
        try:
            dreams, cursor = _first_page(
                request,
                lambda: selectors.dream_list_rows(owner=owner, filters=filters),
                KeysetPagination(),
                first_rows=selectors.dream_journal_first_page(
                    owner=owner, filters=filters, with_unread_notifications=True
                ),
            )
            if dreams and selectors.UNREAD_NOTIFICATIONS in dreams[0]:
                unread = selectors.UNREAD_NOTIFICATIONS
                counted[unread] = dreams[0][unread] or 0
            # Dreams written while the database was down lead page 1, as in the API.
            if not filters.active:
                waiting = selectors.dreams_waiting_first(
                    owner=owner, first_page=not request.GET.get("cursor")
                )
                dreams = [*waiting, *dreams]
        except DatabaseError:
            # The database is unreachable: show what the emergency journal holds.
            dreams, offline = selectors.dreams_waiting(owner=owner), True
    journal_url = reverse("journal")
    # The calendar opens on the month the list is narrowed to, with the other filters.
    day = filters.dreamt_from or filters.dreamt_to
    calendar_url = page.url(
        reverse("journal-calendar"), drop=DATE_NAMES, month=f"{day:%Y-%m}" if day else ""
    )
    context = {
        "dreams": journal_cards_rendered(dreams),  # the cards' HTML
        "next_cursor": cursor,
        "next_url": page.url(journal_url, cursor=cursor) if cursor else "",
        "newest_url": page.url(journal_url),
        "calendar_url": calendar_url,
        "filters": filters,
        "given": given,
        "typed": page.typed,
        "chips": page.chips(journal_url),
        "panel_count": page.panel_count,
        "filter_problems": page.problems,
        # (value, selected) per rating, as text: the template prints no numbers itself.
        "clarity_choices": _rating_choices(filters.min_clarity),
        "sleep_quality_choices": _rating_choices(filters.min_sleep_quality),
        "search_syntax": search_syntax_available(),
        "dreamt_on_min": EARLIEST_DREAMT_ON,
        "dreamt_on_max": timezone.localdate() + timedelta(days=DREAMT_ON_MAX_DAYS_AHEAD),
        "q": filters.q,
        "has_video": bool(filters.has_video),
        "is_public": bool(filters.is_public),
        "filtered": filters.active,
        "is_demo": not request.user.is_authenticated,
        "is_later_page": bool(request.GET.get("cursor")),
        "offline": offline,
        **counted,
    }
    return render(request, "dreams/journal.html", context)


def _rating_choices(chosen: int | None) -> list[tuple[str, bool]]:
    return [(str(n), chosen == n) for n in range(RATING_MIN, RATING_MAX + 1)]


#: Words for each rating, 1–5 (the editor's choices and the dream page's "Clarity 4 of 5").
RATING_WORDS = {
    "clarity": ("hazy", "faint", "partly clear", "clear", "vivid"),
    "sleep_quality": ("restless", "poor", "fair", "good", "deep"),
}
RATINGS = (
    ("clarity", "Clarity", "How clearly you remember it."),
    ("sleep_quality", "Sleep quality", "How well you slept that night."),
)
#: The flags, with the editor's short hints.
FLAGS = (
    ("lucid", "Lucid", "You knew you were dreaming."),
    ("nightmare", "Nightmare", "It frightened or upset you."),
    ("recurring", "Recurring", "You have dreamt it before."),
)
TAG_SUGGESTIONS_MAX = 50


def _ratings(dream: AbstractDream | None) -> list[dict[str, Any]]:
    """Each rating's name, label, hint, value (``None``: not rated) and 1–5 choices."""
    return [
        {
            "name": name,
            "label": label,
            "hint": hint,
            "value": getattr(dream, name) if dream is not None else None,
            "choices": [(number, word) for number, word in enumerate(RATING_WORDS[name], 1)],
        }
        for name, label, hint in RATINGS
    ]


def _flags(dream: AbstractDream | None) -> list[dict[str, Any]]:
    return [
        {"name": name, "label": label, "hint": hint, "checked": bool(getattr(dream, name, False))}
        for name, label, hint in FLAGS
    ]


def _tags_in_use(owner: Owner | None) -> list[str]:
    """The owner's tags, most used first: the editor's suggestions (none if unreachable)."""
    if owner is None:
        return []
    try:
        return journal_selectors.dream_tag_choices(owner=owner, limit=TAG_SUGGESTIONS_MAX)
    except DatabaseError:  # the editor still opens (and saves to the emergency journal)
        return []


def _draft_owner(owner: Owner | None) -> str:
    """An opaque marker of whose drafts the browser keeps: one account's (or demo session's)
    unsaved dream is never offered to another on a shared browser, and no name is stored."""
    if owner is None:
        identity = "anonymous"
    elif owner.is_demo:
        identity = f"demo:{owner.session_key}"
    else:
        identity = f"user:{owner.user_id}"
    return salted_hmac("dreams.editor.draft", identity, algorithm="sha256").hexdigest()[:24]


def _editor_context(owner: Owner | None, dream: AbstractDream | None) -> dict[str, Any]:
    """What the editor shows for ``dream`` (``None``: a new one) besides its text."""
    today = timezone.localdate()
    return {
        "dream": dream,
        "dreamt_on": dream.dreamt_on if dream is not None else today,
        "dreamt_on_min": EARLIEST_DREAMT_ON,
        "dreamt_on_max": today + timedelta(days=DREAMT_ON_MAX_DAYS_AHEAD),
        "flags": _flags(dream),
        "ratings": _ratings(dream),
        "tags": ", ".join(_strings(dream.tags)) if dream is not None else "",
        "tag_suggestions": _tags_in_use(owner),
        "draft_owner": _draft_owner(owner),
    }


@require_safe
@ensure_csrf_cookie
def dream_new(request: HttpRequest) -> HttpResponse:
    """The editor for a new dream (anonymous visitors write in demo mode)."""
    # A demo visitor gets their identity now, so a draft is theirs from the first word.
    owner = Owner.from_request(request, create_session=True)
    context = {
        **_editor_context(owner, None),
        "is_demo": not request.user.is_authenticated,
        "emotions": "",
        "keywords": "",
    }
    return render(request, "dreams/dream_form.html", context)


@require_safe
@ensure_csrf_cookie
def dream_edit(request: HttpRequest, dream_id) -> HttpResponse:
    """The editor for one of the caller's dreams; someone else's is a 404."""
    owner = Owner.from_request(request)
    dream = selectors.dream_get(owner=owner, dream_id=dream_id)
    if dream is None:
        raise Http404("No such dream.")
    analysis = dream.analysis if isinstance(dream.analysis, dict) else {}
    context = {
        **_editor_context(owner, dream),
        "is_demo": isinstance(dream, DemoDream),
        "emotions": ", ".join(_strings(analysis.get("emotions"))),
        "keywords": ", ".join(_strings(analysis.get("keywords"))),
        "analysis": analysis,
    }
    return render(request, "dreams/dream_form.html", context)


def _mood(analysis: dict) -> str:
    """The dream's mood worth showing ("" for none, or for the analysis' "neutral")."""
    mood = analysis.get("mood")
    return mood if isinstance(mood, str) and mood != "neutral" else ""


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _night(dream: AbstractDream, *, is_owner: bool) -> dict[str, Any]:
    """The dream's details as its page shows them; tags are the owner's alone."""
    written_on = timezone.localdate(dream.created_at) if dream.created_at else dream.dreamt_on
    # Within a day is the same night seen from another time zone: only backdating is told.
    backdated = abs(written_on - dream.dreamt_on) > timedelta(days=DREAMT_ON_MAX_DAYS_AHEAD)
    return {
        "written_on": written_on if backdated else None,
        "flag_labels": [(name, label) for name, label, _ in FLAGS if getattr(dream, name)],
        "rated": [
            {
                "name": name,
                "label": label,
                "value": value,
                "word": RATING_WORDS[name][value - 1],
                "max": RATING_MAX,
            }
            for name, label, _ in RATINGS
            if isinstance(value := getattr(dream, name), int) and RATING_MIN <= value <= RATING_MAX
        ],
        "tags": _strings(dream.tags) if is_owner else [],
    }


@require_safe
@ensure_csrf_cookie
def dream_detail(request: HttpRequest, dream_id) -> HttpResponse:
    """One dream: the owner's (with its controls), or a public one anyone may watch."""
    owner = Owner.from_request(request)
    dream = selectors.dream_get(owner=owner, dream_id=dream_id, scope=Scope.VISIBLE, waiting=True)
    if dream is None:
        raise Http404("No such dream.")
    is_owner = owns_dream(owner, dream)
    waiting = dream.storage_tier == StorageTier.EMERGENCY
    job = selectors.dream_latest_job(dream) if is_owner and not waiting else None
    job_active = job is not None and job.status in ACTIVE_JOB_STATUSES
    # A failed regeneration keeps the previous video: only a dream left without one says so.
    job_failed = (
        job is not None
        and job.status == JobStatus.FAILED
        and dream.video_status == VideoStatus.FAILED
    )
    analysis = dream.analysis if isinstance(dream.analysis, dict) else {}
    has_video = dream.has_ready_video
    version = f"?v={dream.video_asset_id}" if has_video else ""
    video_src = dream_video_path(dream.pk) + version
    poster = dream_thumbnail_path(dream.pk) + version
    page_data = {
        "dream_id": str(dream.pk),
        "is_owner": is_owner,
        "is_demo": isinstance(dream, DemoDream),
        "is_public": dream.is_public,
        "has_video": has_video,
        "job": (
            VideoJobSerializer(job, context={"request": request}).data
            if job_active or job_failed
            else None
        ),
        "prompt": build_video_prompt(title=dream.title, content=dream.content, analysis=analysis),
        "duration": dream.video_duration,
        # The last video's choices preselect the page's video options (videoOptions.js).
        "choices": (
            {"model": job.model, "style": job.style, "ratio": job.ratio, "audio": job.audio}
            if job is not None and job.model
            else {}
        ),
        "journal_url": reverse("journal"),
    }
    context = {
        "dream": dream,
        "is_owner": is_owner,
        "is_demo": isinstance(dream, DemoDream),
        "is_emergency": waiting,
        "emotions": _strings(analysis.get("emotions")),
        "keywords": _strings(analysis.get("keywords")),
        "mood": _mood(analysis),
        "has_video": has_video,
        "video_src": video_src,
        "poster": poster,
        "job": job,
        "job_active": job_active,
        "job_failed": job_failed,
        "share": _share_state(dream) if is_owner else None,
        **_night(dream, is_owner=is_owner),
        **dream_share_context(request, dream),
        "page_data": page_data,
        # A visitor may report a public dream (dreams/api/reports.py); its owner may not.
        "report_reasons": () if is_owner else ReportReason.choices,
        # Content Credentials of the stored video (videos.credentials): label and details.
        "credentials": credentials_panel(dream.video_asset.credentials) if has_video else None,
    }
    return render(request, "dreams/dream_detail.html", context)


@require_safe
@ensure_csrf_cookie
def gallery(request: HttpRequest) -> HttpResponse:
    """The public gallery: approved public dreams with a ready video, newest first,
    narrowed by mood and symbol (``dreams.gallery``; a filter it cannot take is said
    politely and left out, as the journal does)."""
    try:
        filters, problem = gallery_filters(request.GET), ""
    except GalleryFilterError as error:
        filters, problem = GalleryFilters(), error.message
    if wait := gallery_search_wait(request, filters):
        return too_many_response(
            request, title="Too many searches", message=GALLERY_SEARCH_MESSAGE, wait_seconds=wait
        )

    def page() -> tuple[list, str, bool]:
        rows = gallery_filter(selectors.dream_gallery_rows(), filters)
        page_rows = selectors.dream_gallery_pages(filters_active=filters.active)
        dreams, cursor = _first_page(request, rows, page_rows=page_rows)
        return gallery_cards(dreams), cursor, bool(request.GET.get("cursor"))

    parts = ("page", filters.mood, filters.symbol, "cards")
    dreams, cursor, later = (
        gallery_cached(parts, page) if gallery_page_cacheable(request.GET) else page()
    )
    moods = gallery_figures_cached(
        ("moods",), lambda: gallery_mood_counts(selectors.dream_gallery_list())
    )
    context = {
        "dreams": gallery_cards_rendered(dreams, level=2),  # the cards' HTML
        "next_cursor": cursor,
        "next_url": f"?{urlencode({**filters.query(), 'cursor': cursor})}" if cursor else "",
        "is_later_page": later,
        **gallery_filter_context(filters, moods, problem=problem),
    }
    return render(request, "dreams/gallery.html", context)


# --- Accounts -----------------------------------------------------------------------------


@method_decorator(ensure_csrf_cookie, name="dispatch")
class SignupView(FormView):
    """A new account; the visitor's demo dreams move to it (``account_register``)."""

    form_class = SignupForm
    template_name = "registration/signup.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return HttpResponseRedirect(reverse("journal"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "demo_count": _demo_count(self.request)}

    def form_valid(self, form: SignupForm) -> HttpResponse:
        moved = _demo_count(self.request)
        try:
            user, _token = account_register(request=self.request, **form.cleaned_data)
        except IntegrityError:  # the name was taken between the check and the insert
            form.add_error("username", "That username is taken.")
            return self.form_invalid(form)
        except TooManyRequests as refused:  # this address made its sign-ups for now
            return too_many_response(
                self.request,
                title="Too many new accounts",
                message=str(refused.detail),
                wait_seconds=refused.wait,
            )
        login(self.request, user, backend=MODEL_BACKEND)
        messages.success(self.request, f"Welcome, {user.username}. Your journal is ready.")
        if moved:
            messages.info(self.request, _moved_message(moved))
        return HttpResponseRedirect(reverse("journal"))


class DreamLoginView(auth_views.LoginView):
    """Django's login; dreams written in demo mode before logging in join the account.

    Password guessing is stopped by django-axes (``AXES_*`` settings): a locked-out
    client gets the 429 page from ``common.authentication.lockout_response``.
    """

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "demo_count": _demo_count(self.request)}

    def form_valid(self, form) -> HttpResponse:
        key = demo_key(self.request)
        response = super().form_valid(form)
        if key and (moved := demo_dreams_claim(session_key=key, user=form.get_user())):
            messages.info(self.request, _moved_message(moved))
        return response


def _moved_message(count: int) -> str:
    dreams = "dream" if count == 1 else "dreams"
    return f"The {count} {dreams} you wrote in demo mode {'is' if count == 1 else 'are'} now yours."


# --- A dream's media ----------------------------------------------------------------------


def _media_dream(request: HttpRequest, dream_id) -> AbstractDream | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        # Moderators review any dream's video in the admin, private and demo ones included,
        # if the admin would show them that dream: view (or change) permission on its model.
        dream = selectors.dream_get(dream_id=dream_id, scope=Scope.ANY)
        opts = dream._meta if dream is not None else None
        if opts is not None and any(
            user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in ("view", "change")
        ):
            return dream
    return selectors.dream_get(owner=request_owner(request), dream_id=dream_id, scope=Scope.VISIBLE)


@require_safe
def dream_video(request: HttpRequest, dream_id) -> HttpResponse:
    """The dream's stored video, ranged, for whoever may see the dream."""
    dream = _media_dream(request, dream_id)
    return asset_response(request, dream.video_asset if dream else None, thumbnail=False)


@require_safe
def dream_thumbnail(request: HttpRequest, dream_id) -> HttpResponse:
    """The dream's thumbnail, for whoever may see the dream."""
    dream = _media_dream(request, dream_id)
    return asset_response(request, dream.video_asset if dream else None, thumbnail=True)


@require_safe
def dream_preview(request: HttpRequest, dream_id) -> HttpResponse:
    """The dream's ~2 s silent preview loop (the gallery's hover), for whoever may see the
    dream; 404 until the worker made it."""
    dream = _media_dream(request, dream_id)
    asset = dream.video_asset if dream else None
    return asset_response(request, asset, thumbnail=False, preview=True)
