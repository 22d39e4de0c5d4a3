"""Create this installation's exchange keys (signing and encryption), or show them.

The private keys are stored in the database sealed with a key derived from SECRET_KEY; the
public key and its fingerprint are printed for the partners' administrators."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from exchange import services
from ilp_platform.core import context


class Command(BaseCommand):
    help = (
        "Create this installation's exchange key pair if it has none (or a new one with "
        "--rotate, retiring the old), then print the public key and its fingerprint."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="retire the current key and make a new one (partners must register it again)",
        )

    def handle(self, *args, **options):
        with context.acting(user=None, via="command", justification="exchange_keys"):
            key, created = services.create_keys(actor=None, rotate=options["rotate"])
        state = "created" if created else "already present"
        self.stdout.write(f"Exchange key {state}.")
        self.stdout.write(f"Fingerprint: {key.fingerprint}")
        self.stdout.write(f"Public key: {key.public_key}")
