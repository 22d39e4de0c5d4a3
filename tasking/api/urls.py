from tasking.api import views

router_entries = [
    ("meetings", views.MeetingViewSet, "meeting"),
    ("priorities", views.PriorityViewSet, "priority"),
    ("requirements", views.RequirementViewSet, "requirement"),
    ("taskings", views.TaskingViewSet, "tasking"),
    ("decisions", views.DecisionViewSet, "decision"),
]
