"""API routes of the sharing app: (prefix, viewset, basename) for the shared router."""

from sharing.api import views

router_entries = [
    ("units", views.UnitViewSet, "unit"),
    ("shares", views.ShareViewSet, "share"),
    ("aggregates", views.AggregateViewSet, "aggregate"),
]
urlpatterns: list = []
