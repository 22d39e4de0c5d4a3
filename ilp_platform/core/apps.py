from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel every app builds on: request context, the restricted querysets and the
    reference rule, keyset paging, background jobs and the registries (home panels, demo
    seeding). It imports no other part of the platform."""

    name = "ilp_platform.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from ilp_platform.core import references

        references.install()
