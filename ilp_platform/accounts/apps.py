from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "ilp_platform.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from ilp_platform.accounts import checks, notices, signals  # noqa: F401  (registers them)
        from ilp_platform.accounts.home import lockout_panels
        from ilp_platform.accounts.roles import sync_roles_after_migrate
        from ilp_platform.core import home

        home.register(lockout_panels)

        # Later apps add permissions in their own migrations; attach them to roles afterwards.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
