"""Build a package for a partner here and now (no worker needed) and write it to a file, for
an air-gapped link. The same checks and the same disclosure event as the packages page.

Exit status: 0 when written; 1 when the build failed; 2 when the request is refused (each
reason printed, nothing sent)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from exchange import services
from exchange.models import ExchangePackage, Partner
from ilp_platform.accounts.models import User
from ilp_platform.core import context, jobs
from intelligence.models import Report


class Command(BaseCommand):
    help = (
        "Build a package of reports (by URN) for a partner and write the sealed file. "
        "Grades without a faithful counterpart need --choose URN:AXIS=CODE."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, help="the partner's registered name")
        parser.add_argument("--user", required=True, help="username of the person sending")
        parser.add_argument("--report", action="append", required=True, metavar="URN")
        parser.add_argument("--legal-basis", required=True)
        parser.add_argument("--justification", default="exchange_export")
        parser.add_argument("--condition", action="append", default=[], metavar="CODE")
        parser.add_argument("--acknowledge-conditions", action="store_true")
        parser.add_argument("--valid-days", type=int, default=None)
        parser.add_argument(
            "--choose",
            action="append",
            default=[],
            metavar="URN:AXIS=CODE",
            help="the partner's code for an axis with no faithful counterpart",
        )
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, **options):
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active person is called {options['user']}.", returncode=2)
        partner = Partner.objects.filter(name=options["partner"]).first()
        if partner is None:
            raise CommandError(f"No partner is called {options['partner']}.", returncode=2)
        choices: dict[str, dict[str, str]] = {}
        for text in options["choose"]:
            target, _, code = text.partition("=")
            urn, _, axis = target.partition(":")
            if not (urn and axis and code):
                raise CommandError(f"--choose {text}: write URN:AXIS=CODE.", returncode=2)
            choices.setdefault(urn, {})[axis] = code
        with context.acting(user=actor, via="command", justification=options["justification"]):
            ids = list(
                Report.objects.visible_to(actor)
                .filter(urn__in=options["report"])
                .values_list("pk", flat=True)
            )
            if len(ids) != len(set(options["report"])):
                raise CommandError("Some reports are not visible to this person.", returncode=2)
            try:
                package = services.request_package(
                    actor=actor,
                    partner=partner,
                    reports=ids,
                    legal_basis=options["legal_basis"],
                    conditions=options["condition"],
                    grading_choices=choices,
                    valid_days=options["valid_days"],
                    conditions_acknowledged=options["acknowledge_conditions"],
                )
            except (ValidationError, PermissionDenied) as exc:
                lines = (
                    [f"{k}: {m}" for k, v in exc.message_dict.items() for m in v]
                    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict")
                    else [str(exc)]
                )
                raise CommandError("Refused:\n" + "\n".join(lines), returncode=2) from None
        status = jobs.execute(
            ExchangePackage,
            package.pk,
            services.build_package,
            on_success=services.package_built,
            on_failure=services.package_failed,
        )
        package.refresh_from_db()
        if status != jobs.JobStatus.SUCCEEDED:
            raise CommandError(f"The build failed: {package.message}", returncode=1)
        Path(options["output"]).write_bytes(services.package_bytes(package))
        self.stdout.write(
            f"Wrote package {package.package_id} for {partner.name} to {options['output']}: "
            f"{package.report_count} reports, {package.entity_count} entities, "
            f"{package.link_count} links."
        )
