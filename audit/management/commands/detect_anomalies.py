from django.core.management.base import BaseCommand

from audit.anomalies import detect


class Command(BaseCommand):
    help = "Compute oversight anomaly flags over the last N days of the audit log."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=1)

    def handle(self, *args, **options):
        raised = detect(days=options["days"])
        self.stdout.write(f"{raised} new anomaly flags")
