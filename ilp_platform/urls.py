from importlib import import_module

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from ilp_platform.accounts import views as accounts_views
from ilp_platform.accounts.api.views import MeView, TokenView
from ilp_platform.web import jsi18n, pages

# Each app's api/urls.py lists (prefix, viewset, basename); one router serves them all so the
# API root at /api/v1/ lists every endpoint.
API_MODULES = [
    "ilp_platform.accounts.api.urls",
    "oversight.api.urls",
    "intelligence.api.urls",
    "analysis.api.urls",
    "tasking.api.urls",
    "operations.api.urls",
    "notifications.api.urls",
    "sharing.api.urls",
    "exchange.api.urls",
    "subjectrequests.api.urls",
    "dataprotection.api.urls",
]
APP_URLS = [
    ("audit/", "oversight.urls"),
    ("intelligence/", "intelligence.urls"),
    ("analysis/", "analysis.urls"),
    ("tasking/", "tasking.urls"),
    ("operations/", "operations.urls"),
    ("notifications/", "notifications.urls"),
    ("sharing/", "sharing.urls"),
    ("exchange/", "exchange.urls"),
    ("data-protection/requests/", "subjectrequests.urls"),
    ("data-protection/", "dataprotection.urls"),
]

router = DefaultRouter()
extra_api_paths: list[URLPattern | URLResolver] = []
for module_name in API_MODULES:
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    for prefix, viewset, basename in getattr(module, "router_entries", []):
        router.register(prefix, viewset, basename=basename)
    extra_api_paths.extend(getattr(module, "urlpatterns", []))

admin.site.site_header = "ILP platform administration"
admin.site.site_title = "ILP platform"

urlpatterns = [
    path("healthz", pages.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("ilp_platform.accounts.urls")),
    # Django's language switch, also remembering a signed-in person's choice on their account.
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    # The scripts' translations, one address per language (ilp_platform/web/jsi18n.py).
    path("jsi18n/<str:language>/", jsi18n.javascript_catalog, name="javascript-catalog"),
    path("training/", include("training.urls")),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/me/", MeView.as_view(), name="api-me"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads Swagger UI's start-up script from a URL: no inline script for the CSP.
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/v1/", include(extra_api_paths)),
    path("api/v1/", include(router.urls)),
    path("", include("ilp_platform.web.urls")),
]
for prefix, module_name in APP_URLS:
    try:
        import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    urlpatterns.append(path(prefix, include(module_name)))

handler404 = "ilp_platform.web.pages.page_not_found"
handler403 = "ilp_platform.web.pages.permission_denied"
handler500 = "ilp_platform.web.pages.server_error"
