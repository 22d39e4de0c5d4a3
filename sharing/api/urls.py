"""API routes of the sharing app: (prefix, viewset, basename) for the shared router, and the
control strategy's actions on priorities (``priorities/`` is the tasking API's prefix, so these
are paths of their own rather than a second registration of it)."""

from django.urls import path

from sharing.api import views

router_entries = [
    ("units", views.UnitViewSet, "unit"),
    ("shares", views.ShareViewSet, "share"),
    ("aggregates", views.AggregateViewSet, "aggregate"),
]
_strategy = views.StrategyViewSet.as_view
urlpatterns = [
    path(
        "priorities/from-above/",
        _strategy({"get": "list"}),
        name="priority-from-above",
    ),
    path("priorities/<int:pk>/issue/", _strategy({"post": "issue"}), name="priority-issue"),
    path("priorities/<int:pk>/below/", _strategy({"get": "below"}), name="priority-below"),
    path("priorities/<int:pk>/adopt/", _strategy({"post": "adopt"}), name="priority-adopt"),
    path("priorities/<int:pk>/decline/", _strategy({"post": "decline"}), name="priority-decline"),
]
