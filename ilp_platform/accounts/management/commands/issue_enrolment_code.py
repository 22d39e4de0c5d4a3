"""Issue a two-factor enrolment code from the server: the way in for the first administrator."""

from django.core.management.base import BaseCommand, CommandError

from ilp_platform.accounts import services
from ilp_platform.accounts.models import User
from ilp_platform.core import context


class Command(BaseCommand):
    help = (
        "Issue a one-time two-factor enrolment code for USERNAME and print it (once). For the "
        "first administrator, or when no other administrator can; otherwise an administrator "
        "issues codes in the admin. --reset also removes the person's authenticator and "
        "recovery codes (a lost phone). Recorded in the audit trail as issued from the server."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="remove the person's authenticator and recovery codes first (a lost phone)",
        )

    def handle(self, *args, username, reset, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        action = services.reset_two_factor if reset else services.issue_enrolment_code
        with context.acting(via="command"):
            try:
                code, row = action(user, actor=None)
            except PermissionError as exc:
                raise CommandError(f"{username}: {exc}") from exc
        self.stdout.write(
            f"Enrolment code for {username}: {code}\n"
            f"Valid once, until {row.expires_at:%Y-%m-%d %H:%M} UTC. Give it to the person "
            "yourself; it is not stored and cannot be shown again."
        )
