from operations.api import views

router_entries = [
    ("operations", views.OperationViewSet, "operation"),
    ("charts", views.ChartViewSet, "chart"),
]
