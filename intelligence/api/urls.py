from intelligence.api import views
from intelligence.api.imports import ImportJobViewSet

router_entries = [
    ("reports", views.ReportViewSet, "report"),
    ("sources", views.SourceViewSet, "source"),
    ("entities", views.EntityViewSet, "entity"),
    ("links", views.LinkViewSet, "link"),
    ("incidents", views.IncidentViewSet, "incident"),
    ("imports", ImportJobViewSet, "importjob"),
]
