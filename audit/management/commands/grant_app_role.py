import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

from audit import services
from audit.choices import Action
from audit.db import APPEND_ONLY_GRANTS, app_role_grants
from ilp_platform.core import context


class Command(BaseCommand):
    help = (
        "PostgreSQL: give the application's own database role least privilege: read-write on "
        "the platform's tables, read and append only on the audit log, owning nothing, so it "
        "cannot switch the audit triggers off. Run as the owner after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the web, worker and beat processes log in as")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="environment variable holding the role's password: the role is created with "
            "it, or its password set",
        )

    def handle(self, *args, role, password_env=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "grant_app_role is for PostgreSQL; the embedded SQLite database has no roles."
            )
        password = None
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(f"{password_env} is empty: it must hold the role's password.")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None and password is None:
                raise CommandError(
                    f"Role {role!r} does not exist: create it first, or pass --password-env "
                    "to create it."
                )
            if found is not None and found[0]:
                raise CommandError(f"Role {role!r} is a superuser: it could bypass every rule.")
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
                [role],
            )
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"Role {role!r} owns the platform's tables: the owner can switch the audit "
                    "triggers off. Give the application a role of its own."
                )
            if password is not None:
                verb = "ALTER" if found is not None else "CREATE"
                cursor.execute(
                    sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
            for statement in app_role_grants(role, connection.settings_dict["NAME"]):
                cursor.execute(statement)
            with context.acting(via="command", justification="database role privileges"):
                services.record(
                    Action.PERMISSION_CHANGE,
                    object_type="database.role",
                    object_id=role,
                    object_repr=role,
                    details={"append_only": APPEND_ONLY_GRANTS, "other_tables": "read-write"},
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"Role {role!r}: read-write on the platform's tables; "
                + "; ".join(f"{t}: {p}" for t, p in APPEND_ONLY_GRANTS.items())
                + "."
            )
        )
