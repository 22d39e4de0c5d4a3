import os
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from training import reset as scenario


class Command(BaseCommand):
    help = (
        "Load the fictional training scenario into an empty installation and mark it as a "
        "training one (banner, TRAINING on every export, the Exercises page). --reset erases "
        "the scenario and the trainees' progress and loads it afresh. Trainees' password: "
        "DEMO_PASSWORD, or a random one printed here."
    )

    def add_arguments(self, parser):
        codes = [code for code, _name in settings.LANGUAGES]
        parser.add_argument(
            "--language",
            choices=codes,
            default=None,
            help="Language the scenario is written in (default: the current one, or the "
            "language it was loaded in for --reset).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Erase everything (scenario, trainees' work and progress) and load it afresh.",
        )

    def handle(self, *args, **options):
        given = os.environ.get("DEMO_PASSWORD", "")
        password = given or secrets.token_urlsafe(12)
        try:
            if options["reset"]:
                installation = scenario.reset(
                    language=options["language"], password=password, password_given=True
                )
            else:
                installation = scenario.seed(
                    language=options["language"] or settings.LANGUAGE_CODE,
                    password=password,
                    password_given=bool(given),
                )
        except scenario.Refused as exc:
            raise CommandError(str(exc)) from None
        trainees = ", ".join(sorted(installation.scenario.get("trainees", {})))
        self.stdout.write(
            self.style.SUCCESS(
                f"Training scenario loaded ({installation.language}); trainees: {trainees}; "
                "trainer: trainer."
            )
        )
        if not given:
            self.stdout.write(self.style.SUCCESS(f"Password for the training accounts: {password}"))
