import os
import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from audit.services import service_scope
from ilp_platform.core import context, seeding


class Command(BaseCommand):
    help = (
        "Load the demo data: one user per role (password from DEMO_PASSWORD, or a random one "
        "printed here), the 'general' and 'restricted' compartments and each app's sample "
        "records. Safe to run again."
    )

    def handle(self, *args, **options):
        from django.apps import apps

        # Each app's seed module registers its step on import.
        for config in apps.get_app_configs():
            module = f"{config.name}.seed"
            try:
                __import__(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
        given = os.environ.get("DEMO_PASSWORD", "")
        self.password_given = bool(given)
        self.demo_password = given or secrets.token_urlsafe(12)
        with context.acting(via="command", justification="demo data seeding"):
            for _, name, step in seeding.steps():
                self.stdout.write(f"Seeding {name}...")
                with transaction.atomic(), service_scope():
                    step(self)
        if given:
            self.stdout.write(self.style.SUCCESS("Demo users use the password in DEMO_PASSWORD."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo password for new demo users: {self.demo_password}\n"
                    "(existing users keep theirs; set DEMO_PASSWORD to choose one)"
                )
            )
