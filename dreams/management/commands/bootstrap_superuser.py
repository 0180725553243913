"""Create or update the superuser named by the environment; nothing when it names none.

``DJANGO_SUPERUSER_USERNAME`` and ``DJANGO_SUPERUSER_PASSWORD`` (and optionally
``DJANGO_SUPERUSER_EMAIL``), the variables ``createsuperuser --noinput`` reads too.
Safe to run on every deploy: the password is only re-hashed when it changed, so
running it again does not log the admin out.
"""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create or update a superuser from DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_PASSWORD "
        "and DJANGO_SUPERUSER_EMAIL; does nothing when they are not set."
    )

    def handle(self, *args, **options) -> None:
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip()
        if not username or not password:
            self.stdout.write(
                "DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD are not both set: "
                "no superuser bootstrapped."
            )
            return

        user_model = get_user_model()
        with transaction.atomic():
            user = user_model.objects.select_for_update().filter(username=username).first()
            created = user is None
            if created:
                user = user_model(username=username)
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("DJANGO_SUPERUSER_PASSWORD: " + " ".join(exc.messages)) from exc
            changed = created or not (user.is_staff and user.is_superuser and user.is_active)
            user.is_staff = user.is_superuser = user.is_active = True
            if email and user.email != email:
                user.email = email
                changed = True
            if created or not user.check_password(password):
                user.set_password(password)
                changed = True
            if changed:
                user.save()
        verb = "Created" if created else ("Updated" if changed else "Unchanged:")
        self.stdout.write(f"{verb} superuser {username!r}.")
