"""Server-rendered pages. They read through selectors and talk to the API from the browser.

Every page renders its first screen from selectors (fast, works without JavaScript);
writes and job polling happen in the browser through ``static/js/dreamVideoService.js``,
so the pages and single-page apps share one API. Pages set the CSRF cookie the
JavaScript client sends back.
"""

from __future__ import annotations

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
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe
from django.views.generic import FormView
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from common.authentication import MODEL_BACKEND, request_owner
from common.clients import TooManyRequests, too_many_response
from common.owners import Owner, demo_key
from common.pagination import KeysetPagination, NewestFirstCursorPagination
from dreams import selectors
from dreams.accounts import account_register
from dreams.api.serializers import journal_filters
from dreams.forms import SignupForm
from dreams.models import AbstractDream, DemoDream, ModerationStatus, StorageTier, VideoStatus
from dreams.ownership import owns_dream
from dreams.search import JournalFilters
from dreams.selectors import Scope
from dreams.services import demo_dreams_claim, dream_thumbnail_path, dream_video_path
from videos.api.serializers import VideoJobSerializer
from videos.models import ACTIVE_JOB_STATUSES, JobStatus
from videos.prompts import build_video_prompt
from videos.serving import asset_response

HOME_GALLERY_SIZE = 6
PAGE_SIZE = 12


# --- Helpers ------------------------------------------------------------------------------


def _first_page(request: HttpRequest, queryset: QuerySet, paginator=None) -> tuple[list, str]:
    """One page of ``queryset`` and the cursor of the next page ("" if none).

    The cursor is the API's own (the same paginator), so "Load more" in the browser
    continues with the API from where the server-rendered page stopped.
    """
    paginator = paginator or NewestFirstCursorPagination()
    paginator.page_size = PAGE_SIZE
    drf_request = Request(request)
    try:
        page = list(paginator.paginate_queryset(queryset, drf_request))
    except NotFound:  # a stale or forged cursor: start from the newest
        drf_request = Request(_without_cursor(request))
        page = list(paginator.paginate_queryset(queryset, drf_request))
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
    return {"key": "approved", "label": "Public — in the gallery"}


# --- Pages --------------------------------------------------------------------------------


@require_safe
@ensure_csrf_cookie
def home(request: HttpRequest) -> HttpResponse:
    """Landing: what DreamJourney is, and the newest videos of the public gallery."""
    try:
        dreams = list(selectors.dream_gallery_list()[:HOME_GALLERY_SIZE])
    except DatabaseError:  # the landing page stays up while the database is unreachable
        dreams = []
    return render(request, "dreams/home.html", {"gallery": dreams})


#: The journal's filters as the page's form and the API name them (``JournalFilters``).
JOURNAL_FILTER_NAMES = (
    "q",
    "emotion",
    "tag",
    "lucid",
    "nightmare",
    "recurring",
    "min_clarity",
    "min_sleep_quality",
    "dreamt_from",
    "dreamt_to",
    "has_video",
    "is_public",
)


def _journal_filters(request: HttpRequest) -> tuple[JournalFilters, dict[str, str], list[str]]:
    """The filters in the page's query string, those values to keep in links, and what was
    wrong with them (the page then shows the whole journal and says so)."""
    given = {
        name: request.GET[name].replace("\x00", "").strip()[:200]
        for name in JOURNAL_FILTER_NAMES
        if request.GET.get(name, "").strip()
    }
    try:
        return journal_filters(given), given, []
    except ValidationError as invalid:
        problems = [
            f"{name.replace('_', ' ').capitalize()}: {' '.join(map(str, errors))}"
            for name, errors in invalid.detail.items()
        ]
        return JournalFilters(), {}, problems


@require_safe
@ensure_csrf_cookie
def journal(request: HttpRequest) -> HttpResponse:
    """The caller's dreams (an account's, or a demo visitor's session), newest dreamt first,
    searched and filtered like the API's list; the query string is the bookmark."""
    owner = Owner.from_request(request)
    filters, given, problems = _journal_filters(request)
    dreams: list = []
    cursor = ""
    offline = False
    if owner is not None:
        try:
            queryset = selectors.dream_list(owner=owner, filters=filters)
            dreams, cursor = _first_page(request, queryset, KeysetPagination())
            # Dreams written while the database was down lead page 1, as in the API.
            if not filters.active:
                waiting = selectors.dreams_waiting_first(
                    owner=owner, first_page=not request.GET.get("cursor")
                )
                dreams = [*waiting, *dreams]
        except DatabaseError:
            # The database is unreachable: show what the emergency journal holds.
            dreams, offline = selectors.dreams_waiting(owner=owner), True
    context = {
        "dreams": dreams,
        "next_cursor": cursor,
        "next_url": f"?{urlencode({**given, 'cursor': cursor})}" if cursor else "",
        "filters": filters,
        "given": given,
        "filter_problems": problems,
        "q": filters.q,
        "has_video": bool(filters.has_video),
        "is_public": bool(filters.is_public),
        "filtered": filters.active,
        "is_demo": not request.user.is_authenticated,
        "is_later_page": bool(request.GET.get("cursor")),
        "offline": offline,
    }
    return render(request, "dreams/journal.html", context)


@require_safe
@ensure_csrf_cookie
def dream_new(request: HttpRequest) -> HttpResponse:
    """The editor for a new dream (anonymous visitors write in demo mode)."""
    context = {
        "dream": None,
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
        "dream": dream,
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
        "page_data": page_data,
    }
    return render(request, "dreams/dream_detail.html", context)


@require_safe
@ensure_csrf_cookie
def gallery(request: HttpRequest) -> HttpResponse:
    """The public gallery: approved public dreams with a ready video, newest first."""
    dreams, cursor = _first_page(request, selectors.dream_gallery_list())
    context = {
        "dreams": dreams,
        "next_cursor": cursor,
        "next_url": f"?{urlencode({'cursor': cursor})}" if cursor else "",
        "is_later_page": bool(request.GET.get("cursor")),
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
