from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("<int:pk>/read/", views.MarkReadView.as_view(), name="mark_read"),
    path("read-all/", views.MarkAllReadView.as_view(), name="mark_all_read"),
    path("watches/", views.WatchListView.as_view(), name="watch_list"),
    path("watches/entity/<int:pk>/", views.WatchEntityView.as_view(), name="watch_entity"),
    path("watches/entity/<int:pk>/stop/", views.UnwatchEntityView.as_view(), name="unwatch_entity"),
    path("watches/search/", views.WatchSearchView.as_view(), name="watch_search"),
    path("watches/<int:pk>/stop/", views.UnwatchView.as_view(), name="unwatch"),
    path("watches/operation/<int:pk>/", views.WatchOperationView.as_view(), name="watch_operation"),
    path(
        "watches/operation/<int:pk>/stop/",
        views.UnwatchOperationView.as_view(),
        name="unwatch_operation",
    ),
]
