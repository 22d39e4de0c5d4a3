from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ilp_platform.core"
    label = "core"
    verbose_name = "Core"
