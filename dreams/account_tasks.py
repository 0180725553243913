"""Background tasks of account pages: thin, enqueued on commit (``dreams.services.account``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.tasks import task

from dreams.services.account import password_reset_email_send

__all__ = ["password_reset_email_task"]


@task()
def password_reset_email_task(user_id: int, domain: str, use_https: bool) -> None:
    """Mail one password-reset link; nothing for an account deleted or deactivated since.

    The link's token is made here, not carried in the task's arguments, so no reset
    secret is ever stored in the task queue.
    """
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is not None:
        password_reset_email_send(user=user, domain=domain, use_https=use_https)
