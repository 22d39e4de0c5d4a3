"""Pages of the sharing app."""

from django.urls import path

from sharing import views

app_name = "sharing"
urlpatterns = [
    path("", views.ShareListView.as_view(), name="list"),
    path("<int:pk>/", views.ShareDetailView.as_view(), name="detail"),
    path("reports/<int:pk>/share/", views.ShareReportView.as_view(), name="share_report"),
    path("products/<int:pk>/share/", views.ShareProductView.as_view(), name="share_product"),
    path("reports/<int:pk>/consent/", views.ConsentView.as_view(), name="consent"),
    path("requirements/", views.FromAboveListView.as_view(), name="requirements"),
    path(
        "requirements/<int:pk>/accept/",
        views.RequirementAcceptView.as_view(),
        name="requirement_accept",
    ),
    path(
        "requirements/<int:pk>/issue/",
        views.RequirementIssueView.as_view(),
        name="requirement_issue",
    ),
    path(
        "requirements/<int:pk>/close/",
        views.RequirementCloseView.as_view(),
        name="requirement_close",
    ),
    path(
        "priorities/<int:pk>/issue/",
        views.PriorityIssueView.as_view(),
        name="priority_issue",
    ),
    path(
        "priorities/<int:pk>/adopt/",
        views.PriorityAdoptView.as_view(),
        name="priority_adopt",
    ),
    path(
        "priorities/<int:pk>/decline/",
        views.PriorityDeclineView.as_view(),
        name="priority_decline",
    ),
    path("aggregates/", views.AggregatesView.as_view(), name="aggregates"),
]
