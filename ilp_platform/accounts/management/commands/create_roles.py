from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from ilp_platform.accounts.roles import ROLE_PERMISSIONS, sync_roles


class Command(BaseCommand):
    help = "Create the role groups and attach their permissions (safe to run again)."

    def handle(self, *args, **options):
        sync_roles(Group, Permission)
        for role in ROLE_PERMISSIONS:
            count = Group.objects.get(name=role).permissions.count()
            self.stdout.write(f"{role}: {count} permissions")
