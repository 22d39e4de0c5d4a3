from django.conf import settings
from django.core.management.base import BaseCommand

from audit.integrity import purge_expired
from ilp_platform.core import context


class Command(BaseCommand):
    help = (
        "Remove audit events older than the retention period (AUDIT_RETENTION_DAYS) as one "
        "segment, anchoring its final hash so the chain still verifies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override the retention.")

    def handle(self, *args, **options):
        days = options["days"] or settings.ILP["AUDIT_RETENTION_DAYS"]
        with context.acting(via="command", justification="audit log retention"):
            anchor = purge_expired(retention_days=days)
        if anchor is None:
            self.stdout.write(f"No events older than {days} days.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Removed {anchor.removed_count} events up to #{anchor.last_event_id}; "
                    f"anchor hash {anchor.last_hash[:16]}..."
                )
            )
