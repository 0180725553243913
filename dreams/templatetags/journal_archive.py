"""``{% latest_journal_export user as export %}``: the account page's export, as the API shows it.

The account page's archive panel (``templates/account/_archive.html``) is included into a
page another view renders; this tag brings it what it needs without that view knowing.
"""

from __future__ import annotations

from typing import Any

from django import template

from dreams.api.archive import JournalExportSerializer
from dreams.archive.export import journal_export_latest

register = template.Library()


@register.simple_tag(takes_context=True)
def latest_journal_export(context: template.Context, user) -> dict[str, Any] | None:
    """The user's latest background export (``None``: none, or it expired)."""
    if not getattr(user, "is_authenticated", False):
        return None
    export = journal_export_latest(user=user)
    if export is None:
        return None
    data = JournalExportSerializer(export, context={"request": context.get("request")}).data
    return None if data["status"] == "expired" else {**data, "expires": export.expires_at}
