from notifications.api import views

router_entries = [
    ("watches", views.WatchViewSet, "watch"),
    ("notifications", views.NotificationViewSet, "notification"),
]
