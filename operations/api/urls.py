from operations.api import views

router_entries = [("operations", views.OperationViewSet, "operation")]
