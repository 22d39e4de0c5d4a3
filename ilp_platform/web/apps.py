from django.apps import AppConfig


class WebConfig(AppConfig):
    """The web layer every app's pages and API build on: base views and viewsets, forms,
    filters, serializers, middleware, exports and the shared pages (home, health,
    justification). It sits above the kernel (``ilp_platform.core``) and the audit log."""

    name = "ilp_platform.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from ilp_platform.web import schema  # noqa: F401  (registers OpenAPI extensions)
