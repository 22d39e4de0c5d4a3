from training.management.commands.seed_training import Command as SeedCommand


class Command(SeedCommand):
    help = "The trainer's reset: the same as “seed_training --reset”."

    def handle(self, *args, **options):
        options["reset"] = True
        return super().handle(*args, **options)
