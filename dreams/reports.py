"""Reports of public dreams: a visitor opens one, a moderator resolves all of a dream's at once.

Who reported is kept as ``DreamReport.reporter_key`` (:func:`reporter_key`): ``u:<id>``
for an account; for an anonymous visitor ``a:`` and a keyed hash (HMAC with the
``SECRET_KEY``) of their address, the IPv6 /64 network rather than the single address
(one household or phone gets a whole /64 for free). The address itself is never stored,
and the hash cannot be turned back into it without the key. A session would be cheaper
but is free to throw away: one open report per visitor and dream would mean nothing.

Every report also keeps ``network_key`` (:func:`network_key`): the same keyed hash of the
network, for accounts too. Signing up is cheap (``SIGNUP_RATE`` allows a few accounts an
address an hour), so accounts alone would let one address hide any dream.

**Auto-hide**: the dream row carries ``open_reports`` and ``hidden_by_reports``, written
here in the transaction that opens or closes a report (the dream row is locked, so
concurrent reports count exactly). When the dream's open reports come from
``settings.REPORTS_HIDE_THRESHOLD`` different networks it leaves the gallery
(``dreams.selectors.dream_gallery_list``, served by the gallery's partial index) until a
moderator resolves them; 0 never hides.
Both writes are ``update()`` calls, so they tell the gallery cache themselves.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.crypto import salted_hmac

from dreams import moderation
from dreams.caching import gallery_changed
from dreams.models import Dream, DreamReport, ReportResolution, ReportStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

#: What each resolution makes of the reports it closes.
_CLOSED_AS = {
    ReportResolution.DISMISS: ReportStatus.DISMISSED,
    ReportResolution.UNPUBLISH: ReportStatus.ACTIONED,
    ReportResolution.REJECT: ReportStatus.ACTIONED,
}


class AlreadyReported(Exception):
    """This visitor's earlier report of this dream is still open."""


class OwnDream(Exception):
    """Owners cannot report their own dream (they can make it private)."""


def _network(address: str) -> str:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def reporter_key(*, user: AbstractBaseUser | None, address: str | None) -> str:
    """Who reports, as stored: the account, else a keyed hash of the client's network."""
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return network_key(address)


def network_key(address: str | None) -> str:
    """Where a report came from, as stored for everyone (accounts too): a keyed hash of the
    client's network, the same as an anonymous reporter's key (so an older anonymous report,
    kept without one, counts as the same network). Accounts cost an address little (a few
    sign-ups an hour), so the threshold counts networks, not accounts."""
    network = _network(address) if address else "unknown"
    return (
        "a:" + salted_hmac("dreams.reports.visitor", network, algorithm="sha256").hexdigest()[:40]
    )


@transaction.atomic
def dream_report_open(
    *,
    dream: Dream,
    reason: str,
    text: str = "",
    reporter: AbstractBaseUser | None,
    reporter_key: str,
    network_key: str,
) -> DreamReport:
    """Open a report of ``dream`` (a gallery dream; the caller checked) for a moderator.

    Locks the dream row, so reports arriving together count one by one; at the
    threshold the dream is hidden from the gallery in the same transaction.
    Raises ``OwnDream`` for the dream's owner, ``AlreadyReported`` when this
    visitor's earlier report of the dream is still open or was dismissed (a moderator
    kept the dream: the same reporters cannot hide it again). ``network_key`` (see
    :func:`network_key`) is where the report came from: open reports from one network
    count once towards the threshold, however many accounts sent them (a report stored
    before networks were kept counts as its reporter).
    """
    if reporter is not None and reporter.is_authenticated and reporter.pk == dream.owner_id:
        raise OwnDream("You cannot report your own dream.")
    locked = (
        Dream.objects.select_for_update()
        .only("id", "open_reports", "hidden_by_reports")
        .get(pk=dream.pk)
    )
    mine = DreamReport.objects.filter(
        dream_id=dream.pk,
        reporter_key=reporter_key,
        status__in=(ReportStatus.OPEN, ReportStatus.DISMISSED),
    )
    if mine.exists():
        raise AlreadyReported("You have already reported this dream; a moderator will look at it.")
    report = DreamReport.objects.create(
        dream_id=dream.pk,
        reason=reason,
        text=text,
        reporter=reporter if reporter is not None and reporter.is_authenticated else None,
        reporter_key=reporter_key,
        network_key=network_key,
    )
    threshold = settings.REPORTS_HIDE_THRESHOLD
    hide = (
        bool(threshold)
        and not locked.hidden_by_reports
        and locked.open_reports + 1 >= threshold  # no SQL below the threshold
        and _open_report_sources(dream.pk) >= threshold
    )
    changes: dict = {"open_reports": F("open_reports") + 1}
    if hide:
        changes["hidden_by_reports"] = True
    Dream.objects.filter(pk=dream.pk).update(**changes)
    if hide:
        gallery_changed()
    return report


def _open_report_sources(dream_id) -> int:
    """How many networks the dream's open reports came from (the row is locked)."""
    source = Coalesce(NullIf("network_key", Value("")), "reporter_key")
    return (
        DreamReport.objects.filter(dream_id=dream_id, status=ReportStatus.OPEN)
        .values_list(source, flat=True)
        .distinct()
        .count()
    )


@transaction.atomic
def dreams_reports_resolve(
    *,
    dream_ids: Iterable,
    resolution: str,
    moderator: AbstractBaseUser,
    reason: str = "",
) -> int:
    """Resolve every open report of these dreams at once; returns how many dreams.

    ``dismiss`` keeps the dream (and shows it again if reports hid it); ``unpublish`` makes
    it private, ``reject`` rejects it with ``reason`` (the owner reads it): both through
    ``dreams.moderation``, which records the decision and tells the owner. The reports
    close with who and when; the dreams' report counters start again from zero. The
    dreams are locked first; a constant number of statements, however many dreams.
    Raises ``ValidationError`` (changing nothing) for a rejection without an acceptable
    reason.
    """
    ids = list(dict.fromkeys(dream_ids))
    dreams = Dream.objects.filter(pk__in=ids)
    # Locked (in one order, so two resolutions cannot deadlock) like a new report locks its
    # dream: a report arriving meanwhile waits, and is not lost from the counters below.
    list(dreams.select_for_update().order_by("pk").values_list("pk", flat=True))
    if resolution == ReportResolution.UNPUBLISH:
        moderation.dreams_unpublish(queryset=dreams, moderator=moderator)
    elif resolution == ReportResolution.REJECT:
        moderation.dreams_reject(queryset=dreams, moderator=moderator, reason=reason)
    elif resolution != ReportResolution.DISMISS:
        raise ValueError(f"Unknown resolution {resolution!r}.")
    now = timezone.now()
    DreamReport.objects.filter(dream_id__in=ids, status=ReportStatus.OPEN).update(
        status=_CLOSED_AS[ReportResolution(resolution)],
        resolution=resolution,
        resolved_at=now,
        resolved_by=moderator,
    )
    count = dreams.update(open_reports=0, hidden_by_reports=False)
    gallery_changed()
    return count


# --- Reads ---------------------------------------------------------------------------------


def dream_reports_open() -> QuerySet[DreamReport]:
    """Open reports, oldest first (served by a partial index)."""
    return DreamReport.objects.filter(status=ReportStatus.OPEN).order_by("created_at", "id")
