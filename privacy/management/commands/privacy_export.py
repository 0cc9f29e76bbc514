"""A site operator makes the export of a member who cannot log in (docs/
operations.md): the ZIP is written to a file the operator hands over in
person, once the member's identity is checked. Every use is logged, with the
operator's reason, and recorded on the export row."""

from __future__ import annotations

import getpass
import logging
import shutil
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from privacy import services
from privacy.storage import export_storage

logger = logging.getLogger("privacy.operator")


class Command(BaseCommand):
    help = "Build the data export of a member who cannot log in, into a file (logged)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email", help="the member's e-mail address")
        parser.add_argument("--reason", required=True, help="why (e.g. the case number)")
        parser.add_argument("--output", required=True, help="where to write the ZIP")

    def handle(self, *args: Any, email: str, reason: str, output: str, **options: Any) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account has the address {email!r}.")
        if not reason.strip():
            raise CommandError("Give a reason (--reason).")
        operator = getpass.getuser()
        logger.warning(
            "Operator %s exports the data of user %s: %s", operator, user.pk, reason.strip()
        )
        row = services.export_request(actor=user, operator_reason=f"{operator}: {reason.strip()}")
        built = services.export_build(export_id=row.pk) or row
        built.refresh_from_db()
        if not built.file_name:
            raise CommandError("The export could not be built; see the log.")
        with export_storage().open(built.file_name, "rb") as source, open(output, "wb") as target:
            shutil.copyfileobj(source, target)
        self.stdout.write(f"Wrote {built.size} bytes to {output} (export #{built.pk}).")
