from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ilp_platform.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from ilp_platform.core import references, schema  # noqa: F401  (OpenAPI extensions)

        references.install()
