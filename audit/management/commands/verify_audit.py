from django.core.management.base import BaseCommand, CommandError

from audit.integrity import run_verification


class Command(BaseCommand):
    help = "Walk the audit hash chain; exit 0 when intact, non-zero naming the first bad event."

    def handle(self, *args, **options):
        result, check = run_verification()
        if not result.ok:
            raise CommandError(
                f"Audit chain BROKEN at event {result.first_bad_event_id}: {result.message} "
                f"({result.events_checked} events verified before it)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.events_checked} events verified "
                f"in {check.duration_seconds:.2f}s"
            )
        )
