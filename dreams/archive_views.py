"""The account page's export and import forms (``templates/account/_archive.html``).

With JavaScript the page calls the API (``static/js/archive.js``); these views are where
the forms post without it. Export streams the ZIP, or has the worker pack a large journal
and returns to the account page, which shows how it goes. Import brings an archive in and
returns with what it did. Both spend the API's budgets (``journal_export``,
``journal_import``) and say everything as messages on the account page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from common.exceptions import ServiceBusy
from common.throttling import ClientRateThrottle
from dreams.api.archive import ImportSizeLimit, archive_response
from dreams.archive.export import JournalArchive, journal_export_request, journal_size
from dreams.archive.imports import ArchiveRefused, ImportResult, journal_import

NOT_IMPORTED = "Your archive was not imported: {reason}"
TOO_MANY = "You have done that often in the last hour. Please try again later."


def _back_to_account() -> HttpResponse:
    return redirect(reverse("account") + "#archive")


class _Budget:
    """The API view's throttle scope, so a page and the API spend one budget."""

    def __init__(self, scope: str) -> None:
        self.throttle_scope = scope


def _within_budget(request: HttpRequest, scope: str) -> bool:
    return ClientRateThrottle().allow_request(request, _Budget(scope))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def import_summary(result: ImportResult) -> str:
    """What an import did, in a sentence (the page script says the same)."""
    if not result.created:
        if result.skipped:
            return "Nothing new: every dream in it was in your journal already."
        return "The archive holds no dreams."
    text = f"Imported {_plural(result.created, 'dream')}"
    if result.videos:
        text += f" with {_plural(result.videos, 'video')}"
    if result.skipped:
        verb = "was" if result.skipped == 1 else "were"
        text += f"; {_plural(result.skipped, 'dream')} {verb} in your journal already"
    return text + "."


@require_POST
@login_required
def account_export(request: HttpRequest) -> HttpResponse:
    """The journal's ZIP (a small journal), or back to the account page while it is packed."""
    if not _within_budget(request, "journal_export"):
        messages.error(request, TOO_MANY)
        return _back_to_account()
    if journal_size(user=request.user).streams_inline:
        return archive_response(JournalArchive(request.user))
    journal_export_request(user=request.user)
    messages.info(
        request, "Your journal is being packed. Its download link appears below when it is ready."
    )
    return _back_to_account()


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's CSRF check, run once the caller may send this body (it reads the form)."""
    check = CsrfViewMiddleware(lambda req: HttpResponse())
    check.process_request(request)
    return check.process_view(request, None, (), {})


class AccountImportView(View):
    """Import an archive from the account page's form.

    The body is read only for a signed-in account, with a declared size within
    ``IMPORT_MAX_BYTES``; only then is the CSRF token looked for, in the form (which
    parses the upload): the middleware would parse it for anyone.
    """

    accepts_uploads = True  # its body is a whole archive (common.uploads)
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("account"))
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.IMPORT_MAX_BYTES:
            limit = settings.IMPORT_MAX_BYTES / (1024 * 1024)
            reason = f"an archive to import may be at most {limit:g} MB."
            messages.error(request, NOT_IMPORTED.format(reason=reason))
            return _back_to_account()
        request.upload_handlers.insert(0, ImportSizeLimit())
        if refusal := _csrf_refusal(request):
            return refusal
        if not _within_budget(request, "journal_import"):
            messages.error(request, TOO_MANY)
            return _back_to_account()
        upload = request.FILES.get("file")
        if upload is None or not upload.size:
            messages.error(
                request, NOT_IMPORTED.format(reason="choose a DreamJourney export first.")
            )
            return _back_to_account()
        try:
            result = journal_import(user=request.user, archive=upload)
        except (ArchiveRefused, ServiceBusy) as problem:
            messages.error(request, NOT_IMPORTED.format(reason=str(problem)))
            return _back_to_account()
        messages.success(request, import_summary(result))
        return _back_to_account()


account_import = csrf_exempt(AccountImportView.as_view())  # checked in the view, see above
account_import.cls = AccountImportView  # where common.uploads looks for a view's body limit
