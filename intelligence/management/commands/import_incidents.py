"""Import incidents from a CSV or XLSX file, as the upload page and the API do.

Exit status: 0 when every row was loaded; 1 when rows were refused (each listed with its line
number) or the load failed, with nothing loaded; 2 when the file, the mapping, the person or
the compartment is refused before anything starts.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core import context
from ilp_platform.core.jobs import JobStatus
from intelligence.imports import services
from intelligence.imports.choices import INCIDENT_FIELDS, Encoding, ImportMode
from intelligence.models import ImportJob

SHOWN_ERRORS = 50


def _bad_input(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = (
        "Import incidents from FILE (CSV or XLSX). A header naming the incident fields ("
        + ", ".join(INCIDENT_FIELDS)
        + ") maps itself; otherwise give --map FIELD=COLUMN for each field. Exit 0 when "
        "loaded, 1 when rows were refused or the load failed (nothing loaded), 2 on bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV or XLSX file")
        parser.add_argument("--user", required=True, help="username of the person importing")
        parser.add_argument(
            "--compartment", required=True, help="slug of the compartment the incidents join"
        )
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.INSERT)
        parser.add_argument("--encoding", choices=Encoding.values, default=Encoding.UTF8)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="map an incident field to a file column (repeat per field)",
        )
        parser.add_argument(
            "--justification", default="", help="why the import is made (stored on its events)"
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="send the job to the worker and return at once instead of running it here",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise _bad_input(f"No such file: {path}")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise _bad_input(f"No active user named {options['user']!r}.")
        compartment = Compartment.objects.filter(slug=options["compartment"]).first()
        given = {}
        for item in options["map"]:
            field, sep, column = item.partition("=")
            if not sep:
                raise _bad_input(f"--map takes FIELD=COLUMN, not {item!r}.")
            given[field.strip()] = column.strip()
        with context.acting(user=user, justification=options["justification"], via="command"):
            try:
                with open(path, "rb") as handle:
                    job = services.import_file(
                        actor=user,
                        upload=handle,
                        file_name=path.name,
                        size=path.stat().st_size,
                        compartment=compartment,
                        mode=options["mode"],
                        given_mapping=given or None,
                        encoding=options["encoding"],
                        enqueue=options["queue"],
                    )
            except ValidationError as exc:
                lines = [
                    f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs
                ]
                raise _bad_input("Import refused.\n" + "\n".join(lines)) from None
            except PermissionDenied as exc:
                raise _bad_input(str(exc)) from None
            if options["queue"]:
                self.stdout.write(f"Import #{job.pk} queued for the worker.")
                return
            services.run_import(job.pk)
        job = ImportJob.objects.get(pk=job.pk)
        if job.status != JobStatus.SUCCEEDED:
            for error in job.error_report[:SHOWN_ERRORS]:
                self.stderr.write(
                    f"line {error['line']}: {error['field']}: {error['reason']} "
                    f"({error['value']!r})"
                )
            if job.rows_refused > SHOWN_ERRORS:
                self.stderr.write(f"... {job.rows_refused - SHOWN_ERRORS:,} more rows refused")
            raise CommandError(f"Import #{job.pk} failed: {job.message}", returncode=1)
        result = job.result or {}
        self.stdout.write(
            self.style.SUCCESS(
                f"Import #{job.pk}: {job.rows_inserted:,} incidents added, "
                f"{job.rows_updated:,} updated, from {job.rows_total:,} rows "
                f"in {result.get('seconds', 0):.1f}s ({result.get('method', '')})."
            )
        )
