from django.urls import path

from intelligence.api import views
from intelligence.api.graph import (
    EntitySetTimelineView,
    EntityTimelineView,
    GraphNeighboursView,
    GraphPathView,
    LookupView,
)
from intelligence.api.imports import ImportJobViewSet

router_entries = [
    ("reports", views.ReportViewSet, "report"),
    ("sources", views.SourceViewSet, "source"),
    ("entities", views.EntityViewSet, "entity"),
    ("links", views.LinkViewSet, "link"),
    ("incidents", views.IncidentViewSet, "incident"),
    ("imports", ImportJobViewSet, "importjob"),
]

# The analyst's workbench (issue 16): reads that are not one model's list or detail.
urlpatterns = [
    path("entities/timeline/", EntitySetTimelineView.as_view(), name="entity-set-timeline"),
    path("entities/<int:pk>/timeline/", EntityTimelineView.as_view(), name="entity-timeline"),
    path("graph/neighbours/", GraphNeighboursView.as_view(), name="graph-neighbours"),
    path("graph/path/", GraphPathView.as_view(), name="graph-path"),
    path("lookup/", LookupView.as_view(), name="lookup"),
]
