from intelligence.api import views

router_entries = [
    ("reports", views.ReportViewSet, "report"),
    ("sources", views.SourceViewSet, "source"),
    ("entities", views.EntityViewSet, "entity"),
    ("links", views.LinkViewSet, "link"),
    ("incidents", views.IncidentViewSet, "incident"),
]
