"""Take in a package received as a file (an air-gapped link), as the inbox page does.

Exit status: 0 when taken in; 1 when refused (the reason printed; nothing stored, the refusal
audited); 2 when the file or the person is refused before anything is read."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange import package as pkg
from exchange import services
from exchange.models import ReceiveChannel
from ilp_platform.accounts.models import User
from ilp_platform.core import context


class Command(BaseCommand):
    help = "Take in the exchange package FILE from a partner agency."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the package file (JSON envelope)")
        parser.add_argument(
            "--user",
            default="",
            help="username of the person taking it in (default: the platform itself)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None or not actor.has_perm("exchange.add_receivedpackage"):
                raise CommandError(
                    f"{options['user']} is not an active person allowed to take packages in.",
                    returncode=2,
                )
        with context.acting(user=actor, via="command", justification="exchange_import"):
            try:
                received = services.receive(
                    path.read_bytes(), channel=ReceiveChannel.COMMAND, actor=actor
                )
            except pkg.Refused as exc:
                raise CommandError(f"Refused ({exc.code}): {exc.message}", returncode=1) from None
        self.stdout.write(
            f"Taken in package {received.package_id} from {received.partner.name}: "
            f"{received.report_count} reports, {received.entity_count} entities, "
            f"{received.link_count} links in {received.compartment.slug}."
        )
